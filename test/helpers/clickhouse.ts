// Runs Debian's clickhouse-server (18.16, installed by .ci/run) as a plain process for one test
// file: config and data in a temporary directory, HTTP and native ports picked free on 127.0.0.1,
// stopped by PID when the tests end. Modelled on shared/peers/storage/ch-start.sh.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SERVER = process.env.CLICKHOUSE_SERVER ?? '/usr/sbin/clickhouse-server';

export interface ClickHouseServer {
  url: string;
  dir: string;
  ports: { http: number; tcp: number };
  stop(): Promise<void>;
}

export interface ClickHouseOptions {
  /** Keep data here (and do not remove it on stop), e.g. to restart a server on the same data. */
  dataDir?: string;
  ports?: { http: number; tcp: number };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

function configXml(dir: string, httpPort: number, tcpPort: number): string {
  return `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>${dir}/log/server.log</log><errorlog>${dir}/log/server.err.log</errorlog><size>10M</size><count>1</count></logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>${httpPort}</http_port>
  <tcp_port>${tcpPort}</tcp_port>
  <max_connections>64</max_connections>
  <keep_alive_timeout>10</keep_alive_timeout>
  <max_concurrent_queries>20</max_concurrent_queries>
  <uncompressed_cache_size>67108864</uncompressed_cache_size>
  <mark_cache_size>67108864</mark_cache_size>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/tmp/</tmp_path>
  <user_files_path>${dir}/user_files/</user_files_path>
  <users_config>${dir}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mlock_executable>false</mlock_executable>
</yandex>
`;
}

const USERS_XML = `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>2000000000</max_memory_usage><load_balancing>random</load_balancing></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`;

async function waitForPing(url: string, child: ChildProcess, dir: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      const log = existsSync(join(dir, 'log/server.err.log'))
        ? readFileSync(join(dir, 'log/server.err.log'), 'utf8')
        : '';
      throw new Error(`clickhouse-server exited with ${child.exitCode}: ${log.slice(-2000)}`);
    }
    try {
      const response = await fetch(`${url}/ping`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('clickhouse-server did not answer /ping within 30 s');
}

export async function startClickHouse(options: ClickHouseOptions = {}): Promise<ClickHouseServer> {
  const { dataDir } = options;
  if (!existsSync(SERVER)) throw new Error(`${SERVER} is missing: install clickhouse-server (.ci/run does)`);
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'outpost-ch-'));
  for (const sub of ['data', 'tmp', 'user_files', 'log']) mkdirSync(join(dir, sub), { recursive: true });
  const [httpPort, tcpPort] = options.ports
    ? [options.ports.http, options.ports.tcp]
    : [await freePort(), await freePort()];
  writeFileSync(join(dir, 'config.xml'), configXml(dir, httpPort, tcpPort));
  writeFileSync(join(dir, 'users.xml'), USERS_XML);
  const child = spawn(SERVER, [`--config-file=${join(dir, 'config.xml')}`], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${httpPort}`;
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    if (!dataDir) rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPing(url, child, dir);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, dir, ports: { http: httpPort, tcp: tcpPort }, stop };
}
