#!/usr/bin/env node
// The `outpost` command. It parses arguments and wires modules together; each module registers its
// own commands, and this is the one place that decides exit codes and handles signals.
import { Command } from 'commander';
import { registerBounceCommands } from './bounce/commands.js';
import { registerConfigCommands } from './config/commands.js';
import { formatDiagnostic, hasErrors, loadConfigFile } from './config/index.js';
import { registerInitCommands } from './init/commands.js';
import { operatorLog } from './logs/index.js';
import { startOutpost } from './main.js';
import { registerMgmtCommands } from './mgmt/commands.js';
import { registerSignalsCommands } from './signals/commands.js';
import { registerSinkCommands } from './sink/commands.js';
import { registerSmtpCommands } from './smtp/commands.js';

const program = new Command('outpost')
  .description(
    'On-premises MTA that reads PowerMTA configuration, with a SparkPost-compatible Signals server',
  )
  .showHelpAfterError();

registerConfigCommands(program);
registerBounceCommands(program);
registerSmtpCommands(program);
registerSignalsCommands(program);
registerMgmtCommands(program);
registerInitCommands(program);
registerSinkCommands(program);

program
  .command('start')
  .description('run what the configuration file sets up')
  .requiredOption('-c, --config <file>', 'configuration file')
  .action(async (options: { config: string }) => {
    const { config, diagnostics } = loadConfigFile(options.config);
    for (const d of diagnostics) console.error(formatDiagnostic(d));
    if (hasErrors(diagnostics)) {
      process.exitCode = 1;
      return;
    }
    const { log, file } = operatorLog(config);
    log.info({ config: options.config }, `Outpost starting with ${options.config}`);
    let runtime: Awaited<ReturnType<typeof startOutpost>>;
    try {
      runtime = await startOutpost(config, { log, logFile: file });
    } catch (error) {
      // Said in the log too: under systemd the log file is where an operator looks first.
      log.error({ err: error }, `start failed: ${(error as Error).message}`);
      await file.stop();
      throw error;
    }
    let stopping = false;
    const shutdown = async (signal: string) => {
      if (stopping) {
        // A second signal: stop waiting. Whatever was not finished is still in the spool.
        log.warn({ signal }, 'second signal: exiting now');
        await file.stop();
        process.exit(1);
      }
      stopping = true;
      log.info({ signal }, `${signal}: shutting down (new connections get 421, work in flight finishes)`);
      await runtime.stop();
      log.info('stopped');
      await file.stop();
      process.exitCode = 0;
      // Everything is closed; should a stray handle keep the process up, do not wait for it.
      setTimeout(() => process.exit(0), 5000).unref();
    };
    process.on('SIGINT', () => void shutdown('SIGINT'));
    process.on('SIGTERM', () => void shutdown('SIGTERM'));
    // `systemctl reload` sends SIGHUP: the same as `outpost reload`; errors go to the log.
    process.on('SIGHUP', () => {
      void runtime.reload().catch((error: unknown) => log.error({ err: error }, 'reload failed'));
    });
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
