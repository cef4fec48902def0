// `outpost init DIR --domain example.com`: a working starting point for a new sending domain. It
// writes the configuration, generates the DKIM key (and prints the TXT record to publish), a
// self-signed TLS certificate, an SMTP user, the Signals and management API keys, and prints the
// DNS records and the next steps. It never overwrites an existing configuration.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { normalizeDomain } from '../config/index.js';
import { silentLogger } from '../logging.js';
import { selfSignedCertificate } from '../smtp/tls.js';
import { dnsRecords } from './dns.js';
import { starterConfig } from './template.js';

export interface InitOptions {
  domain: string;
  hostName?: string;
  ip?: string;
  user?: string;
  dataDir?: string;
  logDir?: string;
  force?: boolean;
}

/** The first public-looking IPv4 address of this host, or undefined. */
function publicIp(): string | undefined {
  for (const list of Object.values(networkInterfaces()))
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return undefined;
}

const secret = (bytes: number) => randomBytes(bytes).toString('base64url');

export async function initDirectory(dirArg: string, options: InitOptions): Promise<string> {
  const dir = resolve(dirArg);
  const domain = normalizeDomain(options.domain);
  if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(domain))
    throw new Error(`"${options.domain}" is not a domain name`);
  const configFile = join(dir, 'outpost.config');
  if (existsSync(configFile) && !options.force)
    throw new Error(`${configFile} exists; nothing written (--force replaces it)`);
  const hostName = options.hostName ?? `mta.${domain}`;
  const ip = options.ip ?? publicIp();
  const now = new Date();
  const selector = `s${now.getFullYear()}${String(now.getMonth() + 1).padStart(2, '0')}`;
  mkdirSync(join(dir, 'dkim'), { recursive: true, mode: 0o750 });

  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const dkimFile = `dkim/${selector}.${domain}.pem`;
  writeFileSync(join(dir, dkimFile), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const dkimTxt = `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`;
  const certificate = await selfSignedCertificate(dir, hostName, silentLogger());

  const starter = {
    domain,
    hostName,
    ...(ip ? { ip } : {}),
    selector,
    user: options.user ?? 'injector',
    password: secret(18),
    signalsKey: secret(24),
    httpKey: randomBytes(24).toString('hex'),
    dkimFile,
    certificateFile: certificate.slice(dir.length + 1),
    dataDir: options.dataDir ?? 'data',
    logDir: options.logDir ?? 'log',
    created: now.toISOString().slice(0, 10),
  };
  writeFileSync(configFile, starterConfig(starter), { mode: 0o600 });
  const dns = dnsRecords({ domain, hostName, ...(ip ? { ip } : {}), selector, dkimTxt });
  writeFileSync(join(dir, 'dns-records.txt'), `${dns}\n`);
  return [
    `Outpost is set up in ${dir} for ${domain}.`,
    '',
    `  ${configFile}   the configuration (holds the passwords and keys below)`,
    `  ${join(dir, dkimFile)}   DKIM private key, selector ${selector}`,
    `  ${certificate}   self-signed TLS certificate for ${hostName}: replace it with a CA-signed one`,
    '',
    `SMTP injection: ${hostName}:587, STARTTLS, then AUTH as ${starter.user} / ${starter.password}`,
    `Signals API key (in <signals> and <signals-server>): ${starter.signalsKey}`,
    `Management API key (http-api-key; the outpost CLI on this host reads it from the file): ${starter.httpKey}`,
    ...(ip
      ? []
      : ['No public IPv4 address found: set smtp-source-host in <virtual-mta mta1> and the A record.']),
    '',
    `DNS records to publish (also in ${join(dir, 'dns-records.txt')}):`,
    '',
    dns,
    '',
    'Next steps:',
    `  1. outpost config check ${configFile}`,
    `  2. outpost start --config ${configFile}   (or install packaging/systemd/outpost.service)`,
    `  3. Point a TLS reverse proxy for track.${domain} at 127.0.0.1:8090 (opens and clicks).`,
    `  4. Sign up fbl.${domain} for the mailbox providers' feedback loops (Yahoo CFL, Microsoft JMRP).`,
    `  5. outpost show status   (the management port is http://127.0.0.1:8080)`,
  ].join('\n');
}

interface InitFlags {
  domain: string;
  hostname?: string;
  ip?: string;
  user?: string;
  dataDir?: string;
  logDir?: string;
  force?: boolean;
}

export function registerInitCommands(program: Command): void {
  program
    .command('init')
    .description('write a starter configuration, DKIM key, TLS certificate and credentials for a domain')
    .argument('<dir>', 'directory for the configuration (created if needed)')
    .requiredOption('--domain <domain>', 'the domain you send from, e.g. example.com')
    .option('--hostname <name>', "this MTA's host name (default: mta.DOMAIN)")
    .option('--ip <address>', "the public IPv4 address mail leaves from (default: this host's first)")
    .option('--user <name>', 'SMTP user for injection (default: injector)')
    .option('--data-dir <dir>', 'spool and Signals store (default: DIR/data; /var/lib/outpost under systemd)')
    .option('--log-dir <dir>', 'log and accounting files (default: DIR/log; /var/log/outpost under systemd)')
    .option('--force', 'replace an existing configuration')
    .action(async (dir: string, o: InitFlags) => {
      try {
        console.log(
          await initDirectory(dir, {
            domain: o.domain,
            ...(o.hostname ? { hostName: o.hostname } : {}),
            ...(o.ip ? { ip: o.ip } : {}),
            ...(o.user ? { user: o.user } : {}),
            ...(o.dataDir ? { dataDir: o.dataDir } : {}),
            ...(o.logDir ? { logDir: o.logDir } : {}),
            ...(o.force ? { force: true } : {}),
          }),
        );
      } catch (error) {
        console.error((error as Error).message);
        process.exitCode = 1;
      }
    });
}
