// `outpost config …` commands.
import type { Command } from 'commander';
import { formatDiagnostic } from './diagnostics.js';
import { loadConfigFile } from './load.js';

/** Prints every diagnostic and a summary; true when there are no errors. */
export function printConfigCheck(file: string): boolean {
  const { diagnostics } = loadConfigFile(file);
  for (const d of diagnostics) console.log(formatDiagnostic(d));
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  console.log(
    `${file}: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`,
  );
  return errors === 0;
}

export function registerConfigCommands(program: Command): void {
  const config = program.command('config').description('configuration file tools');
  config
    .command('check')
    .description('check a configuration file, like `pmta test config`')
    .argument('<file>')
    .action((file: string) => {
      process.exitCode = printConfigCheck(file) ? 0 : 1;
    });
}
