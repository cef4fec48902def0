#!/usr/bin/env node
// The `outpost` command. It only parses arguments and wires modules together; the work happens in
// the modules, and this is the one place that decides exit codes.
import { Command } from 'commander';
import { formatDiagnostic, hasErrors, loadConfigFile } from './config/index.js';
import { safeJobId } from './smtp/job-id.js';

const program = new Command('outpost')
  .description(
    'On-premises MTA that reads PowerMTA configuration, with a SparkPost-compatible Signals server',
  )
  .showHelpAfterError();

function checkConfig(file: string): boolean {
  const { diagnostics } = loadConfigFile(file);
  for (const d of diagnostics) console.log(formatDiagnostic(d));
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  console.log(
    `${file}: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`,
  );
  return errors === 0;
}

const config = program.command('config').description('configuration file tools');
config
  .command('check')
  .description('check a configuration file, like `pmta test config`')
  .argument('<file>')
  .action((file: string) => {
    process.exitCode = checkConfig(file) ? 0 : 1;
  });

program
  .command('job-id')
  .description('print TEXT made safe for the X-Job header')
  .argument('<text...>')
  .action((words: string[]) => {
    console.log(safeJobId(words.join(' ')));
  });

program
  .command('start')
  .description('run what the configuration file sets up')
  .requiredOption('-c, --config <file>', 'configuration file')
  .action((options: { config: string }) => {
    const { config: loaded, diagnostics } = loadConfigFile(options.config);
    if (hasErrors(diagnostics)) {
      for (const d of diagnostics) console.error(formatDiagnostic(d));
      process.exitCode = 1;
      return;
    }
    for (const d of diagnostics) console.error(formatDiagnostic(d));
    const listeners = loaded.listeners.map((l) => `${l.host}:${l.port}`).join(', ');
    console.log(`configuration valid; would listen for SMTP on ${listeners}`);
    console.log('the SMTP listener, spool and delivery are not built yet: nothing started');
  });

program.parseAsync(process.argv);
