// A private Postfix instance as a receiving MX: its own main.cf/master.cf, queue and data directories
// under a temp dir, started with `postfix -c DIR start` and stopped when the test ends. It never reads
// or writes /etc/postfix's main.cf or the system instance's spool (the relay benchmark reconfigures
// that one), so both can run at once. Mail for `domain` is delivered by virtual(8) into one Maildir
// (`static:inbox/`), owned by the postfix user, which the test reads.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { freePort, waitAccepting } from './smtp-sink.js';
import { waitFor } from './wait.js';

export interface PostfixInstance {
  port: number;
  /** Delivered messages (Maildir new/), oldest first. */
  messages(): string[];
  /** The instance's maillog, for failure messages. */
  log(): string;
}

const idOf = (flag: '-u' | '-g', user: string) =>
  Number(execFileSync('id', [flag, user], { encoding: 'utf8' }));

function mainCf(root: string, domain: string): string {
  const [uid, gid] = [idOf('-u', 'postfix'), idOf('-g', 'postfix')];
  return `${[
    'compatibility_level = 3.6',
    'mail_owner = postfix',
    'setgid_group = postdrop',
    `queue_directory = ${root}/spool`,
    `data_directory = ${root}/data`,
    // postlogd only writes under these prefixes (default /var); keep the log in the instance.
    `maillog_file_prefixes = ${root}`,
    `maillog_file = ${root}/maillog`,
    `myhostname = mx.${domain}`,
    'myorigin = $myhostname',
    'mydestination =',
    'inet_interfaces = 127.0.0.1',
    'inet_protocols = ipv4',
    'mynetworks = 127.0.0.0/8',
    // No DNS anywhere: the client's name stays "unknown" and nothing waits on a resolver.
    'smtpd_peername_lookup = no',
    'smtp_dns_support_level = disabled',
    'smtpd_client_restrictions = permit_mynetworks, reject',
    'smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination',
    'smtpd_recipient_restrictions = permit_mynetworks, reject',
    `virtual_mailbox_domains = ${domain}`,
    `virtual_mailbox_base = ${root}/mail`,
    'virtual_mailbox_maps = static:inbox/',
    `virtual_uid_maps = static:${uid}`,
    `virtual_gid_maps = static:${gid}`,
    `virtual_minimum_uid = ${uid}`,
    'alias_maps =',
    'alias_database =',
    'local_recipient_maps =',
    'biff = no',
    'default_process_limit = 10',
  ].join('\n')}\n`;
}

/** Only the services a receiving MX needs; nothing chrooted (Debian's default chroots smtpd). */
function masterCf(port: number): string {
  const services = [
    `127.0.0.1:${port} inet n - n - - smtpd`,
    'cleanup unix n - n - 0 cleanup',
    'qmgr unix n - n 300 1 qmgr',
    'rewrite unix - - n - - trivial-rewrite',
    'bounce unix - - n - 0 bounce',
    'defer unix - - n - 0 bounce',
    'trace unix - - n - 0 bounce',
    'verify unix - - n - 1 verify',
    'proxymap unix - - n - - proxymap',
    'anvil unix - - n - 1 anvil',
    'scache unix - - n - 1 scache',
    'error unix - - n - - error',
    'retry unix - - n - - error',
    'discard unix - - n - - discard',
    'smtp unix - - n - - smtp',
    'relay unix - - n - - smtp',
    'local unix - n n - - local',
    'virtual unix - n n - - virtual',
    'postlog unix-dgram n - n - 1 postlogd',
  ];
  return `${services.join('\n')}\n`;
}

/** Starts a private Postfix accepting mail for `domain` on a free 127.0.0.1 port. */
export async function startPostfixInstance(t: TestContext, domain: string): Promise<PostfixInstance> {
  const root = mkdtempSync(join(tmpdir(), 'outpost-postfix-'));
  // Postfix's daemons run as the postfix user and must reach the spool and the Maildir.
  chmodSync(root, 0o755);
  const configDir = join(root, 'etc');
  const inbox = join(root, 'mail', 'inbox', 'new');
  mkdirSync(configDir);
  // `postfix check` creates the queue's subdirectories, but chdirs into the queue directory first.
  mkdirSync(join(root, 'spool'));
  mkdirSync(join(root, 'mail'));
  chownSync(join(root, 'mail'), idOf('-u', 'postfix'), idOf('-g', 'postfix'));
  const port = await freePort();
  writeFileSync(join(configDir, 'main.cf'), mainCf(root, domain));
  writeFileSync(join(configDir, 'master.cf'), masterCf(port));
  const postfix = (command: string) => {
    const run = spawnSync('postfix', ['-c', configDir, command], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`postfix -c ${configDir} ${command} failed:\n${run.stderr}`);
  };
  // `postfix status` asks the master's lock, not its pid: the exited master may linger as a zombie
  // when the container's init does not reap it.
  const running = () =>
    new Promise<boolean>((resolve) =>
      execFile('postfix', ['-c', configDir, 'status'], (error) => resolve(error === null)),
    );
  // Registered before starting, so a half-started instance is stopped too; the directory goes
  // only once the master has exited.
  t.after(async () => {
    if (await running()) {
      postfix('stop');
      await waitFor(async () => !(await running()), 'the private Postfix master to exit');
    }
    rmSync(root, { recursive: true, force: true });
  });
  postfix('check');
  postfix('start');
  await waitAccepting(port, `the private Postfix on port ${port}`);
  const log = () => (existsSync(join(root, 'maillog')) ? readFileSync(join(root, 'maillog'), 'utf8') : '');
  return {
    port,
    log,
    messages: () =>
      existsSync(inbox)
        ? readdirSync(inbox)
            .sort()
            .map((name) => readFileSync(join(inbox, name), 'utf8'))
        : [],
  };
}
