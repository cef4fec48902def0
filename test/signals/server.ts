// Starts a Signals server for a test: loopback port 0, a temporary data directory, a fixed MX
// table instead of DNS, and the engine the test names (ClickHouse tests pass the server URL and
// get a database of their own).
import type { TestContext } from 'node:test';
import { silentLogger } from '../../src/logging.js';
import type { MxResolver } from '../../src/signals/enrich/mx-cache.js';
import { SignalsServer, type SignalsServerOptions } from '../../src/signals/service.js';
import type { EngineName } from '../../src/signals/store/types.js';
import { tempDir } from '../helpers/tmp.js';

export const INGEST_KEY = 'ingest-key-0000000000000001';
export const VIEW_KEY = 'view-key-00000000000000001';
export const ALL_KEY = 'all-grants-key-000000000001';
export const SUB5_KEY = 'subaccount-5-key-000000001';

export const TEST_MX: Record<string, string[]> = {
  'corp.example': ['aspmx.l.google.com.'],
  'office.example': ['corp-example.mail.protection.outlook.com'],
  'nomx.example': [],
};

export const testResolver: MxResolver = async (domain) => TEST_MX[domain] ?? [];

let databases = 0;

export async function startSignals(
  t: TestContext,
  engine: EngineName,
  options: Partial<SignalsServerOptions> & { clickhouseUrl?: string; dataPath?: string } = {},
): Promise<SignalsServer> {
  const dataPath = options.dataPath ?? tempDir(t, 'outpost-signals-');
  const server = new SignalsServer({
    listen: { host: '127.0.0.1', port: 0 },
    store: {
      engine,
      dataPath,
      duckdbThreads: 2,
      clickhouse: options.clickhouseUrl
        ? { url: options.clickhouseUrl, database: `signals_${process.pid}_${++databases}` }
        : undefined,
      ...options.store,
    },
    customerId: 42,
    keys: [
      { key: INGEST_KEY, grants: ['events/ingest'] },
      { key: VIEW_KEY, grants: ['message_events/view', 'metrics/view', 'signals/view'] },
      { key: ALL_KEY, grants: ['events/ingest', 'message_events/view', 'metrics/view', 'signals/view'] },
      {
        key: SUB5_KEY,
        grants: ['events/ingest', 'message_events/view', 'metrics/view', 'signals/view'],
        subaccount: 5,
      },
    ],
    retention: 90 * 86400,
    log: silentLogger(),
    resolveMx: testResolver,
    ...options,
  });
  await server.start();
  t.after(() => server.stop());
  return server;
}

/** POSTs a batch as PowerMTA's connector does. */
export async function upload(
  url: string,
  body: Buffer,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${url}/api/v1/ingest/events`, {
    method: 'POST',
    headers: {
      authorization: INGEST_KEY,
      'content-type': 'application/x-ndjson',
      'content-encoding': 'gzip',
      ...headers,
    },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

export async function getJson(
  url: string,
  path: string,
  key = ALL_KEY,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${url}${path}`, { headers: { authorization: key, ...headers } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
