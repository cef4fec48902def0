// Server-side TLS (powermta.md §2.8): the certificate (one PEM holding key and chain), the allowed
// protocol versions enforced by OpenSSL itself, and a self-signed certificate made at first start
// when none is configured. node:crypto cannot issue X.509 certificates, so that one comes from the
// `openssl` command (installed by .ci/run).
import { execFile } from 'node:child_process';
import { constants } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createSecureContext, type SecureContext } from 'node:tls';
import { promisify } from 'node:util';
import { configPath, type Listener, type OutpostConfig } from '../config/index.js';
import type { Logger } from '../logging.js';

const run = promisify(execFile);

export const TLS_VERSIONS = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;
export type TlsVersion = (typeof TLS_VERSIONS)[number];

/** OpenSSL options that switch one version off, for holes between the lowest and highest allowed. */
const DISABLE: Record<TlsVersion, number> = {
  TLSv1: constants.SSL_OP_NO_TLSv1,
  'TLSv1.1': constants.SSL_OP_NO_TLSv1_1,
  'TLSv1.2': constants.SSL_OP_NO_TLSv1_2,
  'TLSv1.3': constants.SSL_OP_NO_TLSv1_3,
};

export interface TlsSettings {
  certificateFile: string;
  password?: string;
  allowed: TlsVersion[];
  /** OpenSSL cipher list for TLS 1.2 and below (`smtp-server-tls-ciphers`). */
  ciphers: string;
}

/**
 * A context that negotiates only the allowed versions (SSLv3 is never offered: Node's OpenSSL has
 * no SSLv3). OpenSSL 3 refuses TLS 1.0/1.1 at its default security level 2 (their handshake
 * signatures use SHA-1), so when either is allowed the cipher list gets `@SECLEVEL=0`: an operator
 * who turns them on gets them.
 */
export async function secureContextFor(settings: TlsSettings): Promise<SecureContext> {
  const pem = await readFile(settings.certificateFile);
  const order = settings.allowed.map((v) => TLS_VERSIONS.indexOf(v)).sort();
  if (order.length === 0) throw new Error('every TLS version is disabled');
  const minVersion = TLS_VERSIONS[order[0]!]!;
  const maxVersion = TLS_VERSIONS[order[order.length - 1]!]!;
  let secureOptions = 0;
  for (const version of TLS_VERSIONS.slice(order[0], order[order.length - 1]! + 1)) {
    if (!settings.allowed.includes(version)) secureOptions |= DISABLE[version];
  }
  const legacy = settings.allowed.includes('TLSv1') || settings.allowed.includes('TLSv1.1');
  return createSecureContext({
    key: pem,
    cert: pem,
    ...(settings.password !== undefined ? { passphrase: settings.password } : {}),
    minVersion,
    maxVersion,
    secureOptions,
    ciphers: legacy ? `${settings.ciphers}:@SECLEVEL=0` : settings.ciphers,
  });
}

/**
 * DATA-DIR/tls/self-signed.pem (key and certificate for `hostName`), made on first use and kept, so
 * clients that pin it see the same one after a restart.
 */
export async function selfSignedCertificate(dataDir: string, hostName: string, log: Logger): Promise<string> {
  const dir = join(dataDir, 'tls');
  const file = join(dir, 'self-signed.pem');
  try {
    await readFile(file);
    return file;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const key = join(dir, `.key-${process.pid}.pem`);
  const cert = join(dir, `.cert-${process.pid}.pem`);
  try {
    // biome-ignore format: one option per line reads best here
    await run('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '3650', '-sha256',
      '-subj', `/CN=${hostName}`, '-addext', `subjectAltName=DNS:${hostName}`,
      '-keyout', key, '-out', cert,
    ], { timeout: 60_000 });
    const pem = Buffer.concat([await readFile(key), await readFile(cert)]);
    await writeFile(`${file}.tmp`, pem, { mode: 0o600 });
    await chmod(`${file}.tmp`, 0o600);
    await rename(`${file}.tmp`, file);
  } finally {
    await rm(key, { force: true });
    await rm(cert, { force: true });
  }
  log.info({ file, hostName }, `generated a self-signed TLS certificate for ${hostName} in ${file}`);
  return file;
}

/** Which listener settings decide TLS, after inheriting the global `smtp-server-tls-*` ones. */
export interface ListenerTlsInput {
  config: OutpostConfig;
  listener: Listener;
  dataDir: string;
  hostName: string;
  log: Logger;
}

/**
 * The listener's TLS context, or undefined when it offers none: no source allows STARTTLS, the
 * listener is not immediate-TLS, or every version is disabled. With no certificate configured a
 * self-signed one is used.
 */
export async function listenerTls(input: ListenerTlsInput): Promise<SecureContext | undefined> {
  const { config, listener, log } = input;
  const g = config.global;
  const l = listener.settings;
  const sources = [...config.sources.byAddress, ...config.sources.named.values()];
  const wanted = l['immediate-tls'] || sources.some((rule) => rule.settings['allow-starttls'] === true);
  if (!wanted) return undefined;
  const allowed = TLS_VERSIONS.filter((v) => {
    const suffix = v.toLowerCase() as 'tlsv1';
    return l[`tls-allow-${suffix}`] ?? g[`smtp-server-tls-allow-${suffix}`];
  });
  if (allowed.length === 0) {
    log.warn(
      { listener: `${listener.host}:${listener.port}` },
      'smtp: every TLS version is disabled; no STARTTLS',
    );
    return undefined;
  }
  const configured = l['tls-certificate'] ?? g['smtp-server-tls-certificate']?.file;
  const certificateFile = configured
    ? configPath(config, configured)
    : await selfSignedCertificate(input.dataDir, input.hostName, log);
  const password = l['tls-certificate'] ? undefined : g['smtp-server-tls-certificate']?.password;
  return secureContextFor({
    certificateFile,
    ...(password !== undefined ? { password } : {}),
    allowed,
    ciphers: l['tls-ciphers'] ?? g['smtp-server-tls-ciphers'] ?? 'HIGH:!ADH:@STRENGTH',
  });
}
