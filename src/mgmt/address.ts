// Where the management port listens (the service binds it, the CLI finds it).
import type { OutpostConfig } from '../config/index.js';

/**
 * Where the port listens: `<outpost> http-mgmt-listen` when given; otherwise `http-mgmt-port` on
 * every address, but only when some `http-access` line or `http-api-key` could let anyone in
 * (PowerMTA's default port 8080 refuses everybody without them, so Outpost does not open it).
 */
export function mgmtAddresses(config: OutpostConfig): Array<{ host: string; port: number }> {
  const listen = config.outpost['http-mgmt-listen'];
  if (listen.length > 0) return listen;
  const port = config.global['http-mgmt-port'];
  const anyone = config.global['http-access'].length > 0 || config.global['http-api-key'].length > 0;
  return port > 0 && anyone ? [{ host: '::', port }] : [];
}
