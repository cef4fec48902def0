// `outpost sink`: runs the mailbox-provider sink until SIGINT/SIGTERM, then prints what it did.
import type { Command } from 'commander';
import { DEFAULT_SINK_CONFIG } from './defaults.js';
import { loadSinkConfig, type SinkConfig, sinkConfigFrom } from './rules.js';
import { SinkServer } from './server.js';

interface SinkFlags {
  config?: string;
  listen: string;
  seed?: string;
  reportSmtp?: string;
  fblAddress?: string;
  printDefaults?: boolean;
  check?: boolean;
  statsEvery?: string;
}

/** The file's configuration (or the defaults) with the command-line settings on top, validated again. */
export function sinkConfigWith(
  flags: Pick<SinkFlags, 'config' | 'seed' | 'reportSmtp' | 'fblAddress'>,
): SinkConfig {
  const base = loadSinkConfig(flags.config);
  const merged = {
    ...base,
    ...(flags.seed !== undefined ? { seed: Number(flags.seed) } : {}),
    reports: {
      ...base.reports,
      ...(flags.reportSmtp ? { smtp: flags.reportSmtp } : {}),
      ...(flags.fblAddress ? { 'fbl-address': flags.fblAddress } : {}),
    },
  };
  return sinkConfigFrom(merged, 'command line');
}

function parseListen(text: string): { host: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(text);
  if (!match) throw new Error(`--listen: expected HOST:PORT, got "${text}"`);
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port: Number(match[2]) };
}

export function registerSinkCommands(program: Command): void {
  program
    .command('sink')
    .description(
      'run an SMTP receiver that answers, bounces, complains, opens and clicks like mailbox providers',
    )
    .option('-c, --config <file>', 'rules file (JSON, docs/sink.md); default: built-in provider rules')
    .option('-l, --listen <host:port>', 'address to listen on (port 0: any free port)', '127.0.0.1:2526')
    .option('--seed <n>', 'seed for every random decision (same seed, same traffic: same outcomes)')
    .option(
      '--report-smtp <host:port>',
      "where DSNs and ARF reports are sent (Outpost's bounce/FBL listener)",
    )
    .option('--fbl-address <address>', 'where ARF complaints are addressed')
    .option('--stats-every <seconds>', 'print the counters to stderr this often')
    .option('--print-defaults', 'print the built-in rules as JSON and exit')
    .option('--check', 'validate the configuration and exit')
    .action(async (flags: SinkFlags) => {
      if (flags.printDefaults) {
        console.log(JSON.stringify(DEFAULT_SINK_CONFIG, null, 2));
        return;
      }
      const config = sinkConfigWith(flags);
      if (flags.check) {
        console.log(`${flags.config ?? 'built-in defaults'}: ok, ${config.rules.length} rules`);
        return;
      }
      const { host, port } = parseListen(flags.listen);
      const sink = await new SinkServer({
        config,
        host,
        port,
        onError: (what, error) => console.error(`sink: ${what}: ${(error as Error).message ?? error}`),
      }).start();
      console.log(`sink listening on ${host}:${sink.port}`);
      if (!config.reports.smtp)
        console.error('sink: no --report-smtp: out-of-band bounces and complaints are off');
      const every = Number(flags.statsEvery ?? 0);
      const ticker =
        every > 0
          ? setInterval(() => console.error(JSON.stringify(sink.snapshot())), every * 1000)
          : undefined;
      const stop = async () => {
        if (ticker) clearInterval(ticker);
        await sink.stop();
        console.log(JSON.stringify(sink.snapshot(), null, 2));
      };
      process.once('SIGINT', () => void stop());
      process.once('SIGTERM', () => void stop());
    });
}
