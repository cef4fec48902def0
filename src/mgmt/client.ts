// How the `outpost show|pause|…` commands reach a running Outpost: over its management port, as
// `pmta` does. The address comes from --url, else from DATA-DIR/mgmt.json (written by the running
// process: the real port even when the configuration said 0), else from the configuration's
// `http-mgmt-listen` / `http-mgmt-port`. With no configuration named, /etc/outpost/outpost.config,
// else the embedded default that `npm start` runs (so `npx outpost show queues` works beside it). The API key, when the configuration has one, is sent; without
// one, commands fetch a CSRF token first and `http-access` decides.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dataDir, loadConfigFile } from '../config/index.js';
import { mgmtAddresses } from './address.js';
import type { Envelope } from './envelope.js';

export const DEFAULT_CONFIG = '/etc/outpost/outpost.config';
/** config/outpost.config of this package (from src/mgmt or dist/mgmt alike). */
const EMBEDDED_CONFIG = fileURLToPath(new URL('../../config/outpost.config', import.meta.url));

export interface ClientOptions {
  url?: string;
  config?: string;
  apiKey?: string;
}

export class MgmtClientError extends Error {
  constructor(
    message: string,
    readonly envelope?: Envelope,
  ) {
    super(message);
    this.name = 'MgmtClientError';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A wildcard listen address is reached on loopback. */
function reachable(url: string): string {
  return url.replace('//0.0.0.0:', '//127.0.0.1:').replace('//[::]:', '//127.0.0.1:');
}

export function locate(options: ClientOptions): { url: string; apiKey?: string } {
  const apiKey = options.apiKey ?? process.env.OUTPOST_API_KEY;
  const direct = options.url ?? process.env.OUTPOST_MGMT_URL;
  if (direct) return { url: direct.replace(/\/$/, ''), ...(apiKey ? { apiKey } : {}) };
  const file =
    options.config ??
    process.env.OUTPOST_CONFIG ??
    (existsSync(DEFAULT_CONFIG) ? DEFAULT_CONFIG : EMBEDDED_CONFIG);
  // A configuration with errors still says where the port is: `outpost reload` must reach the
  // running process precisely when someone has just broken the file.
  const { config, diagnostics } = loadConfigFile(file);
  const unreadable = diagnostics.find((d) => d.line === 0 && d.message.startsWith('cannot read file'));
  if (unreadable)
    throw new MgmtClientError(
      `${file}: ${unreadable.message}; name the configuration with --config or the port with --url`,
    );
  const key = apiKey ?? config.global['http-api-key'][0];
  const stateFile = join(dataDir(config), 'mgmt.json');
  if (existsSync(stateFile)) {
    try {
      const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { pid: number; urls: string[] };
      if (state.urls[0] && alive(state.pid))
        return { url: reachable(state.urls[0]), ...(key ? { apiKey: key } : {}) };
    } catch {
      // unreadable: fall back to the configuration
    }
  }
  const [address] = mgmtAddresses(config);
  if (!address)
    throw new MgmtClientError(
      `${file} opens no management port: set http-mgmt-port with an http-access line, or <outpost> http-mgmt-listen`,
    );
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  return { url: reachable(`http://${host}:${address.port}`), ...(key ? { apiKey: key } : {}) };
}

export class MgmtClient {
  constructor(private readonly target: { url: string; apiKey?: string }) {}

  static from(options: ClientOptions): MgmtClient {
    return new MgmtClient(locate(options));
  }

  private async request(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    csrf?: string,
  ): Promise<Envelope> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.target.apiKey) headers['x-api-key'] = this.target.apiKey;
    if (csrf) headers['x-csrf-token'] = csrf;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(`${this.target.url}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new MgmtClientError(
        `cannot reach the management port at ${this.target.url}: ${cause?.code ?? cause?.message ?? (error as Error).message} (is outpost running?)`,
      );
    }
    const text = await response.text();
    let envelope: Envelope;
    try {
      envelope = JSON.parse(text) as Envelope;
    } catch {
      throw new MgmtClientError(
        `${this.target.url}${path} answered ${response.status} with something that is not JSON`,
      );
    }
    if (!response.ok || envelope.status !== 'success')
      throw new MgmtClientError(envelope.message || `HTTP ${response.status}`, envelope);
    return envelope;
  }

  get(path: string, query: Record<string, string | number | boolean | undefined> = {}): Promise<Envelope> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
    const search = params.size > 0 ? `?${params}` : '';
    return this.request('GET', `${path}${search}`);
  }

  async post(path: string, body: Record<string, unknown> = {}): Promise<Envelope> {
    const csrf = this.target.apiKey
      ? undefined
      : ((await this.get('/csrfToken')).data as { token: string }).token;
    return this.request('POST', path, body, csrf);
  }
}
