// Outpost-only blocks. PowerMTA has neither tag, so a PowerMTA config never collides with them:
//   <outpost>          settings of the MTA process that PowerMTA keeps elsewhere (data directory,
//                      a DNS server with a port for tests, log format, upload interval)
//   <signals-server>   the self-hosted Signals server (listen address, store, API keys)
import type { DirectiveNode } from '../parse.js';
import { acted, int, interval, oneOf, repeated, type SettingsOf, text, word } from '../spec.js';
import { ConfigValueError, parseHostPort, parseList } from '../values.js';

const fail = (message: string): never => {
  throw new ConfigValueError(message);
};

function hostPort(node: DirectiveNode) {
  if (node.words.length !== 1)
    return fail(node.words.length === 0 ? 'argument missing' : 'expected HOST:PORT');
  return parseHostPort(node.words[0]!);
}

/** `dns-server 127.0.0.1:5353`; the port defaults to 53. */
function parseDnsServer(node: DirectiveNode): { host: string; port: number } {
  const value = node.words[0] ?? fail('argument missing');
  return /:\d+$/.test(value) && !value.startsWith('::') ? hostPort(node) : { host: value, port: 53 };
}

export const OUTPOST_DIRECTIVES = {
  /** Spool, Signals staging, certificates and keys live here unless configured elsewhere. */
  'data-dir': acted(text('/var/lib/outpost')),
  'dns-server': acted(repeated(parseDnsServer)),
  'log-format': acted(oneOf(['text', 'json'] as const, 'text')),
  'signals-upload-interval': acted(interval(60)),
  /** Management API listen address; PowerMTA only has a port (`http-mgmt-port`). */
  'http-mgmt-listen': acted(repeated(hostPort)),
};
export type OutpostSettings = SettingsOf<typeof OUTPOST_DIRECTIVES>;

export const GRANTS = ['events/ingest', 'message_events/view', 'metrics/view', 'signals/view'] as const;
export type Grant = (typeof GRANTS)[number];

export interface ApiKeySpec {
  key: string;
  grants: Grant[];
  /** Keys scoped to one subaccount see only its data. */
  subaccount?: number;
}

/** `api-key KEY GRANT[,GRANT…] [subaccount=N]`; `all` grants everything. */
function parseApiKey(node: DirectiveNode): ApiKeySpec {
  const [key, grantText, ...options] = node.words;
  if (!key || !grantText)
    return fail('expected an API key and its grants (e.g. events/ingest,metrics/view or all)');
  if (!/^[A-Za-z0-9_-]{16,128}$/.test(key))
    fail('an API key is 16 to 128 characters of A-Z, a-z, 0-9, _ and -');
  const grants = grantText === 'all' ? [...GRANTS] : parseList(grantText);
  for (const grant of grants) {
    if (!(GRANTS as readonly string[]).includes(grant))
      fail(`unknown grant "${grant}" (expected ${GRANTS.join(', ')} or all)`);
  }
  const spec: ApiKeySpec = { key, grants: grants as Grant[] };
  for (const option of options) {
    const match = option.match(/^subaccount=(\d+)$/);
    if (!match) fail(`invalid option "${option}" (expected subaccount=N)`);
    spec.subaccount = Number(match![1]);
  }
  return spec;
}

export const SIGNALS_SERVER_DIRECTIVES = {
  listen: acted({ parse: hostPort, default: { host: '127.0.0.1', port: 8090 }, acted: false }),
  storage: acted(oneOf(['duckdb', 'clickhouse'] as const, 'duckdb')),
  /** Directory of the embedded store and the ingest journal (default: DATA-DIR/signals). */
  'data-path': acted(text()),
  'clickhouse-url': acted(text('http://127.0.0.1:8123')),
  'clickhouse-database': acted(word('outpost')),
  'clickhouse-user': acted(word('default')),
  'clickhouse-password': acted(text()),
  'customer-id': acted(int(1)),
  'api-key': acted(repeated(parseApiKey)),
  retention: acted(interval(90 * 86400)),
  /** The URL people reach this server at; tracking links use it unless a tracking-domain is set. */
  'public-url': acted(text()),
  /** Spam traps (recycled, typo, parked) the Signals reports match sends against (docs/health-score.md). */
  'spam-trap-list': acted(text()),
};
export type SignalsServerSettings = SettingsOf<typeof SIGNALS_SERVER_DIRECTIVES>;
