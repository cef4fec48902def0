#!/usr/bin/env node
// The `outpost` command. It parses arguments and wires modules together; each module registers its
// own commands, and this is the one place that decides exit codes and handles signals.
import { Command } from 'commander';
import { registerBounceCommands } from './bounce/commands.js';
import { registerConfigCommands } from './config/commands.js';
import { formatDiagnostic, hasErrors, loadConfigFile } from './config/index.js';
import { createLogger } from './logging.js';
import { startOutpost } from './main.js';
import { registerSignalsCommands } from './signals/commands.js';
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
    const log = createLogger();
    const runtime = await startOutpost(config, { log });
    if (runtime.services.length === 0) {
      const listeners = config.listeners.map((l) => `${l.host}:${l.port}`).join(', ');
      console.log(
        `configuration valid; it asks for SMTP on ${listeners}, but no service is built yet: nothing started`,
      );
      return;
    }
    let stopping = false;
    const shutdown = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'shutting down');
      await runtime.stop();
    };
    process.on('SIGINT', () => void shutdown('SIGINT'));
    process.on('SIGTERM', () => void shutdown('SIGTERM'));
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
