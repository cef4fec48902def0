// Postfix as the durable peer, set up the way shared/peers/setup-postfix.sh does it: loopback only,
// no DNS, one smtpd on a port of our choosing. This rewrites /etc/postfix/main.cf and master.cf
// (the originals are saved once as *.outpost-bench-orig): fine on a build machine, never on a mail
// server. Two variants:
//   relay  the peers' setup: each message is queued (fsync) and relayed to smtp-sink while more
//          arrive, so Postfix's injection shares the CPU with its own delivery;
//   hold   every message is queued (fsync) into the hold queue and nothing is delivered: the same
//          work Outpost does in this benchmark (accept, write durably, answer 250).
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type PostfixVariant = 'relay' | 'hold';

const run = (command: string, args: string[]) => execFileSync(command, args, { encoding: 'utf8' });

export function postfixAvailable(): string | undefined {
  for (const tool of ['postfix', 'postconf', 'postsuper', 'smtp-source', 'smtp-sink']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
  }
  if (process.getuid?.() !== 0) return 'configuring Postfix needs root';
  return undefined;
}

export function configurePostfix(port: number, sinkPort: number, variant: PostfixVariant): void {
  for (const file of ['main.cf', 'master.cf']) {
    const original = `/etc/postfix/${file}.outpost-bench-orig`;
    if (!existsSync(original) && existsSync(`/etc/postfix/${file}`))
      copyFileSync(`/etc/postfix/${file}`, original);
  }
  // Debian's "No configuration" install (as .ci/run does it) has no main.cf: start from defaults.
  if (!existsSync('/etc/postfix/main.cf')) writeFileSync('/etc/postfix/main.cf', '');
  run('postconf', [
    '-e',
    'compatibility_level = 3.6',
    'myhostname = bench-postfix.localhost',
    'mydestination =',
    'relay_domains =',
    `relayhost = [127.0.0.1]:${sinkPort}`,
    'mynetworks = 127.0.0.0/8',
    'inet_interfaces = loopback-only',
    'inet_protocols = ipv4',
    'default_destination_concurrency_limit = 100',
    'default_process_limit = 150',
    'smtpd_peername_lookup = no',
    'smtp_dns_support_level = disabled',
    'smtp_host_lookup = native',
    'smtp_tls_security_level = none',
    'smtpd_tls_security_level = none',
    'maillog_file = /var/log/postfix-bench.log',
    // HOLD: cleanup writes (and fsyncs) the queue file into hold/, where the queue manager leaves it.
    `smtpd_data_restrictions = ${variant === 'hold' ? 'check_client_access static:HOLD' : ''}`,
  ]);
  // One smtpd on our port instead of :25 (and instead of any earlier benchmark's port).
  spawnSync('postconf', ['-M#', 'smtp/inet']);
  for (const line of run('postconf', ['-M']).split('\n')) {
    const service = /^(127\.0\.0\.1:\d+)\s+inet\b/.exec(line)?.[1];
    if (service) spawnSync('postconf', ['-MX', `${service}/inet`]);
  }
  run('postconf', ['-M', `127.0.0.1:${port}/inet = 127.0.0.1:${port} inet n - y - - smtpd`]);
  spawnSync('postconf', ['-M', 'postlog/unix-dgram']);
  run('postfix', ['check']);
}

export function startPostfix(): void {
  spawnSync('postfix', ['stop']);
  spawnSync('postsuper', ['-d', 'ALL']);
  spawnSync('postsuper', ['-d', 'ALL', 'hold']);
  // Debian's chroot needs its copies of resolv.conf etc. refreshed, as the init script does.
  spawnSync('/usr/lib/postfix/configure-instance.sh', ['-']);
  run('postfix', ['start']);
}

export function stopPostfix(): void {
  spawnSync('postfix', ['stop']);
  spawnSync('postsuper', ['-d', 'ALL']);
  spawnSync('postsuper', ['-d', 'ALL', 'hold']);
}

export function postfixMasterPid(): number {
  return Number(run('cat', ['/var/spool/postfix/pid/master.pid']).trim());
}

/** Queue files in the given Postfix queues. */
export function queued(queues: string[]): number {
  let count = 0;
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else count++;
    }
  };
  for (const queue of queues) walk(join('/var/spool/postfix', queue));
  return count;
}

/**
 * Postfix's smtp-source: `messages` messages of `size` bytes over `sessions` parallel sessions, a
 * new connection per message unless `persistent` (-d). Returns the wall time in seconds.
 */
type SourceOptions = { messages: number; sessions: number; size: number; persistent?: boolean };

function smtpSourceArgs(port: number, o: SourceOptions): string[] {
  return [
    ...(o.persistent ? ['-d'] : []),
    ...['-s', String(o.sessions), '-m', String(o.messages), '-l', String(o.size)],
    ...['-f', 'bench@example.com', '-t', 'user@sink.invalid', '-M', 'bench.localhost', `127.0.0.1:${port}`],
  ];
}

export function smtpSource(port: number, o: SourceOptions): number {
  const started = performance.now();
  execFileSync('smtp-source', smtpSourceArgs(port, o), {
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: 600_000,
  });
  return (performance.now() - started) / 1000;
}

/**
 * smtp-source without blocking this process, for a bench that must keep reading a child's output
 * meanwhile (smtp-sink -c writes ~45 bytes per message: a pipe nobody reads stops it after ~1,500).
 */
export async function smtpSourceAsync(port: number, o: SourceOptions): Promise<number> {
  const started = performance.now();
  await new Promise<void>((resolve, reject) =>
    execFile('smtp-source', smtpSourceArgs(port, o), { timeout: 600_000 }, (error) =>
      error ? reject(error) : resolve(),
    ),
  );
  return (performance.now() - started) / 1000;
}
