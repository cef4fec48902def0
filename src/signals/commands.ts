// `outpost signals --config FILE`: runs only the Signals server of a configuration, for a machine
// of its own (the MTA elsewhere reaches it over HTTP, as it always does).
import type { Command } from 'commander';
import { formatDiagnostic, hasErrors, loadConfigFile } from '../config/index.js';
import { operatorLog } from '../logs/index.js';
import { SignalsMetrics } from '../mgmt/metrics/signals.js';
import { signalsOptionsFromConfig } from './config.js';
import { SignalsServer } from './service.js';

export function registerSignalsCommands(program: Command): void {
  program
    .command('signals')
    .description('run only the Signals server (<signals-server> of the configuration)')
    .requiredOption('-c, --config <file>', 'configuration file')
    .action(async (options: { config: string }) => {
      const { config, diagnostics } = loadConfigFile(options.config);
      for (const d of diagnostics) console.error(formatDiagnostic(d));
      if (hasErrors(diagnostics)) {
        process.exitCode = 1;
        return;
      }
      if (!config.signalsServer) {
        console.error(`${options.config}: no <signals-server> block, nothing to run`);
        process.exitCode = 1;
        return;
      }
      const { log, file } = operatorLog(config);
      const metrics = new SignalsMetrics();
      const server = new SignalsServer({
        ...signalsOptionsFromConfig(config, log),
        routes: [metrics.routes],
      });
      await server.start();
      const { url } = server.address;
      log.info({ url, storage: config.signalsServer.storage }, `signals server listening on ${url}`);
      let stopping = false;
      const shutdown = async () => {
        if (stopping) return;
        stopping = true;
        await server.stop();
        await file.stop();
      };
      process.on('SIGINT', () => void shutdown());
      process.on('SIGTERM', () => void shutdown());
    });
}
