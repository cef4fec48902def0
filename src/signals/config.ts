// The Signals server's options from a loaded configuration's <signals-server> block.
import { join } from 'node:path';
import { configPath, type OutpostConfig } from '../config/index.js';
import type { Logger } from '../logging.js';
import { dashboardRoutes } from '../web/routes.js';
import type { SignalsServerOptions } from './service.js';

export function signalsOptionsFromConfig(config: OutpostConfig, log: Logger): SignalsServerOptions {
  const s = config.signalsServer;
  if (!s) throw new Error('the configuration has no <signals-server> block');
  const dataDir = configPath(config, config.outpost['data-dir'] ?? '/var/lib/outpost');
  const database = s['clickhouse-database'] ?? 'outpost';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) {
    throw new Error(`clickhouse-database "${database}" must be letters, digits and _`);
  }
  return {
    listen: s.listen,
    store: {
      engine: s.storage,
      dataPath: configPath(config, s['data-path'] ?? join(dataDir, 'signals')),
      clickhouse: {
        url: s['clickhouse-url'] ?? 'http://127.0.0.1:8123',
        database,
        username: s['clickhouse-user'],
        password: s['clickhouse-password'],
      },
    },
    customerId: s['customer-id'],
    keys: s['api-key'],
    retention: s.retention,
    publicUrl: s['public-url'],
    spamTrapList: s['spam-trap-list'] && configPath(config, s['spam-trap-list']),
    routes: [dashboardRoutes()],
    dnsServers: config.outpost['dns-server'],
    log,
  };
}
