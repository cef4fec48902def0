// `outpost show|pause|resume|delete|schedule|reload|rotate`: PowerMTA's `pmta` commands (reference
// powermta.md §5.5), run against a live Outpost over its management port. Readable tables by
// default, the API's JSON `data` with --json; exit status 1 when the server refuses or fails.
import type { Command } from 'commander';
import { type ClientOptions, DEFAULT_CONFIG, MgmtClient, MgmtClientError } from './client.js';
import type { Envelope } from './envelope.js';
import * as tables from './tables.js';

interface TargetOptions extends ClientOptions {
  json?: boolean;
}

function withTarget(command: Command): Command {
  return command
    .option(
      '-c, --config <file>',
      `configuration of the running Outpost (default: $OUTPOST_CONFIG, else ${DEFAULT_CONFIG}, else the embedded config/outpost.config)`,
    )
    .option(
      '--url <url>',
      'management port URL, e.g. http://127.0.0.1:8080 (default: from the configuration)',
    )
    .option('--api-key <key>', "http-api-key to send (default: the configuration's first)")
    .option('--json', 'print the JSON data instead of a table');
}

/** Runs one request and prints its outcome; errors go to stderr with exit status 1. */
async function run(
  options: TargetOptions,
  work: (client: MgmtClient) => Promise<Envelope>,
  print: (data: never, message: string) => string,
): Promise<void> {
  try {
    const envelope = await work(MgmtClient.from(options));
    console.log(
      options.json ? JSON.stringify(envelope.data, null, 2) : print(envelope.data as never, envelope.message),
    );
  } catch (error) {
    if (!(error instanceof MgmtClientError)) throw error;
    if (options.json && error.envelope) console.log(JSON.stringify(error.envelope, null, 2));
    console.error(error.message);
    const lines = (error.envelope?.data as { diagnostics?: string[] } | undefined)?.diagnostics ?? [];
    for (const line of lines) console.error(line);
    process.exitCode = 1;
  }
}

interface ListFlags extends TargetOptions {
  maxitems?: string;
  sort?: string;
  paused?: string;
  connected?: string;
  mode?: string;
  errors?: boolean;
  vmta?: string;
}

const listFlags = (command: Command) =>
  withTarget(command)
    .option('--maxitems <n>', 'at most this many rows (default: http-default-max-items)')
    .option('--sort <order>', 'name, rcpt or size')
    .option('--paused <yes|no>', 'only paused (or running) queues')
    .option('--connected <yes|no>', 'only queues with (or without) connections')
    .option('--mode <mode>', 'normal or backoff')
    .option('--errors', 'only queues with a last error');

const listQuery = (o: ListFlags, sort: string, extra: Record<string, string | undefined> = {}) => ({
  maxitems: o.maxitems,
  sort: o.sort ?? sort,
  paused: o.paused,
  connected: o.connected,
  mode: o.mode,
  errors: o.errors ? 'yes' : undefined,
  ...extra,
});

function registerShow(program: Command): void {
  const show = program.command('show').description('show the running MTA, like `pmta show`');
  withTarget(show.command('status').description('traffic, connections, queues and spool')).action(
    (o: TargetOptions) => run(o, (c) => c.get('/status'), tables.statusTable),
  );
  for (const [name, sort] of [
    ['queues', 'name'],
    ['topqueues', 'rcpt'],
  ] as const) {
    listFlags(
      show
        .command(name)
        .description(`queues (domain/vmta) sorted by ${sort}`)
        .argument('[queue]', 'DOMAIN[/VMTA], * wildcards'),
    ).action((queue: string | undefined, o: ListFlags) =>
      run(
        o,
        (c) => c.get('/queues', listQuery(o, sort, { queue })),
        (d: { queues: [] }) => tables.queuesTable(d.queues),
      ),
    );
  }
  for (const [name, sort] of [
    ['domains', 'name'],
    ['topdomains', 'rcpt'],
  ] as const) {
    listFlags(
      show
        .command(name)
        .description(`recipient domains sorted by ${sort}`)
        .option('--vmta <name>', 'only this VirtualMTA'),
    ).action((o: ListFlags) =>
      run(
        o,
        (c) => c.get('/domains', listQuery(o, sort, { vmta: o.vmta })),
        (d: { domains: [] }) => tables.domainsTable(d.domains),
      ),
    );
  }
  listFlags(show.command('vmtas').description('VirtualMTAs and what they have queued')).action(
    (o: ListFlags) =>
      run(
        o,
        (c) => c.get('/vmtas', listQuery(o, 'name')),
        (d: { vmtas: [] }) => tables.vmtasTable(d.vmtas),
      ),
  );
  listFlags(show.command('jobs').description('jobs (X-Job) with mail queued, and paused jobs')).action(
    (o: ListFlags) =>
      run(
        o,
        (c) => c.get('/jobs', listQuery(o, 'rcpt')),
        (d: { jobs: [] }) => tables.jobsTable(d.jobs),
      ),
  );
  withTarget(
    show
      .command('settings')
      .description('effective settings of a queue')
      .argument('<queue>', 'DOMAIN[/VMTA]'),
  ).action((queue: string, o: TargetOptions) =>
    run(o, (c) => c.get('/settings', { queue }), tables.settingsTable),
  );
}

function registerPauseResume(program: Command, verb: 'pause' | 'resume'): void {
  const group = program.command(verb).description(`${verb} a queue or a job`);
  withTarget(group.command('queue').argument('<queue>', 'DOMAIN[/VMTA], * wildcards')).action(
    (queue: string, o: TargetOptions) =>
      run(
        o,
        (c) => c.post(`/${verb}Queue`, { queue }),
        (_d, message) => message,
      ),
  );
  withTarget(group.command('job').argument('<id>', 'job id (X-Job)')).action(
    (jobId: string, o: TargetOptions) =>
      run(
        o,
        (c) => c.post(`/${verb}Job`, { jobId }),
        (_d, message) => message,
      ),
  );
}

export function registerMgmtCommands(program: Command): void {
  registerShow(program);
  registerPauseResume(program, 'pause');
  registerPauseResume(program, 'resume');
  withTarget(
    program.command('delete').description('delete queued recipients (recorded as deleted by administrator)'),
  )
    .option('--queue <queue>', 'DOMAIN[/VMTA], * wildcards')
    .option('--jobId <id>', 'job id (X-Job)')
    .action((o: TargetOptions & { queue?: string; jobId?: string }) =>
      run(
        o,
        (c) =>
          c.post('/delete', {
            ...(o.queue ? { queue: o.queue } : {}),
            ...(o.jobId ? { jobId: o.jobId } : {}),
          }),
        (_d, message) => message,
      ),
    );
  withTarget(
    program
      .command('schedule')
      .description('retry a queue now, skipping its retry interval')
      .argument('<queue>', 'DOMAIN[/VMTA]'),
  )
    .option('--retry-recipients', 'also retry recipients waiting for retry-recipients-after')
    .action((queue: string, o: TargetOptions & { retryRecipients?: boolean }) =>
      run(
        o,
        (c) => c.post('/schedule', { queue, retryRecipients: o.retryRecipients ?? false }),
        (_d, message) => message,
      ),
    );
  withTarget(
    program
      .command('reload')
      .description('apply the configuration file to the running MTA (refused if it has errors)'),
  ).action((o: TargetOptions) =>
    run(
      o,
      (c) => c.post('/reload'),
      (d: { file: string; diagnostics: string[]; restartNeeded: string[] }, message) =>
        [
          ...d.diagnostics,
          `${message} (${d.file})`,
          ...(d.restartNeeded.length
            ? [`changes that take effect at the next start: ${d.restartNeeded.join(', ')}`]
            : []),
        ].join('\n'),
    ),
  );
  withTarget(
    program
      .command('rotate')
      .description('start new accounting files (acct) or a new log file (log)')
      .argument('<what>', 'acct or log'),
  ).action((what: string, o: TargetOptions) =>
    run(
      o,
      (c) => c.post('/rotate', { what }),
      (_d, message) => message,
    ),
  );
}
