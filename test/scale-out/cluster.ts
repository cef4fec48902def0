// A scale-out deployment on one machine: one ClickHouse server, Signals servers (`outpost signals`)
// in front of the same ClickHouse database, and MTA nodes (`outpost start`), each with its own data
// directory, spool, accounting file and Signals staging, uploading to the Signals server it is
// pointed at. Every process is separate and binds loopback. Shared by test/scale-out, bench/scale-out
// and bench/soak.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../helpers/smtp-sink.js';
import { accountingCounts } from './accounting.js';
import { OutpostProcess } from './processes.js';

/** The one key of the test deployment: ingest on the MTA side, reading in the tests. */
export const CLUSTER_KEY = 'scale-out-key-0000000000000001';

export interface SignalsNodeSpec {
  name: string;
  dir: string;
  /** Fixed, so a restarted server is found again by the MTAs that upload to it. */
  port: number;
  clickhouseUrl: string;
  database: string;
  dnsPort: number;
}

export function signalsNodeConfig(s: SignalsNodeSpec): string {
  return `# Signals API tier: stateless but for its ingest journal; the events live in ClickHouse.
<outpost>
  data-dir ${s.dir}
  dns-server 127.0.0.1:${s.dnsPort}
</outpost>
<signals-server>
  listen 127.0.0.1:${s.port}
  storage clickhouse
  clickhouse-url ${s.clickhouseUrl}
  clickhouse-database ${s.database}
  customer-id 1
  api-key ${CLUSTER_KEY} all
</signals-server>
`;
}

export interface MtaNodeSpec {
  name: string;
  dir: string;
  /** VirtualMTA pool of this node, and the loopback address it sends from. */
  pool: string;
  sourceIp: string;
  sinkPort: number;
  uploadUrl: string;
  dnsPort: number;
  uploadInterval?: string;
  retryAfter?: string;
  /** Extra lines (e.g. a bounce/FBL domain for the soak). */
  extra?: string;
}

export function mtaNodeConfig(m: MtaNodeSpec): string {
  return `# MTA tier: own spool, accounting file and Signals staging; uploads to one Signals server.
<outpost>
  data-dir ${m.dir}/data
  dns-server 127.0.0.1:${m.dnsPort}
  signals-upload-interval ${m.uploadInterval ?? '1s'}
</outpost>
host-name ${m.name}.scale.test
smtp-listener 127.0.0.1:0
<source 127.0.0.1>
  always-allow-relaying yes
  process-x-job yes
  suppress-local-dsn yes          # the application learns of bounces from Signals
  default-virtual-mta ${m.pool}
</source>
<virtual-mta ${m.pool}-v1>
  smtp-source-host ${m.sourceIp} ${m.name}.scale.test
</virtual-mta>
<virtual-mta-pool ${m.pool}>
  virtual-mta ${m.pool}-v1
</virtual-mta-pool>
<domain *>
  smtp-hosts [127.0.0.1]:${m.sinkPort}
  retry-after ${m.retryAfter ?? '1s'}
  retry-recipients-after ${m.retryAfter ?? '1s'}
  bounce-after 1h
  max-smtp-out 10
</domain>
<acct-file ${m.dir}/acct/acct.csv>
  records r,d,b,t,f,rb
</acct-file>
<signals>
  api-key ${CLUSTER_KEY}
  upload-url ${m.uploadUrl}
</signals>
${m.extra ?? ''}
`;
}

export class SignalsNode {
  process: OutpostProcess | undefined;
  readonly configFile: string;

  constructor(readonly spec: SignalsNodeSpec) {
    mkdirSync(spec.dir, { recursive: true });
    this.configFile = join(spec.dir, 'outpost.config');
    writeFileSync(this.configFile, signalsNodeConfig(spec));
  }

  get url(): string {
    return `http://127.0.0.1:${this.spec.port}`;
  }

  /** POSTs one gzip NDJSON upload as a PowerMTA connector does. */
  upload(body: Buffer): Promise<Response> {
    return fetch(`${this.url}/api/v1/ingest/events`, {
      method: 'POST',
      headers: {
        authorization: CLUSTER_KEY,
        'content-encoding': 'gzip',
        'content-type': 'application/x-ndjson',
      },
      body,
    });
  }

  async start(): Promise<void> {
    const started = await OutpostProcess.start(
      this.spec.name,
      ['signals', '--config', this.configFile],
      /signals server listening on http/,
    );
    this.process = started.process;
  }

  async stop(): Promise<void> {
    await this.process?.stop();
    this.process = undefined;
  }
}

export class MtaNode {
  process: OutpostProcess | undefined;
  smtpPort = 0;
  readonly configFile: string;

  constructor(readonly spec: MtaNodeSpec) {
    mkdirSync(spec.dir, { recursive: true });
    this.configFile = join(spec.dir, 'outpost.config');
    writeFileSync(this.configFile, mtaNodeConfig(spec));
  }

  async start(): Promise<void> {
    const started = await OutpostProcess.start(
      this.spec.name,
      ['start', '--config', this.configFile],
      /smtp listener on 127\.0\.0\.1:(\d+)/,
    );
    this.process = started.process;
    this.smtpPort = Number(started.match[1]);
  }

  async stop(): Promise<void> {
    await this.process?.stop();
    this.process = undefined;
  }

  /** Staged Signals files not uploaded yet (finished and in progress). */
  stagedFiles(): string[] {
    const dir = join(this.spec.dir, 'data', 'signals');
    try {
      return readdirSync(dir).filter((n) => n.startsWith('sp1-'));
    } catch {
      return [];
    }
  }

  /** Accounting records by type (r, d, b, t, …); with `jobs`, only records that name a job. */
  accounting(jobs = false): Record<string, number> {
    return accountingCounts(join(this.spec.dir, 'acct'), jobs);
  }
}

/** Free loopback ports for the Signals servers (they must keep them across a restart). */
export async function signalsPorts(n: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < n) {
    const port = await freePort();
    if (!ports.includes(port)) ports.push(port);
  }
  return ports;
}

/** Sampled RSS of every process of the deployment, in bytes, by name. */
export function rssByName(processes: Array<OutpostProcess | undefined>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of processes) if (p) out[p.name] = p.rss();
  return out;
}
