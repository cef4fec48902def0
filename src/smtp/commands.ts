// SMTP-side helper commands.
import type { Command } from 'commander';
import { safeJobId } from './job-id.js';

export function registerSmtpCommands(program: Command): void {
  program
    .command('job-id')
    .description('print TEXT made safe for the X-Job header')
    .argument('<text...>')
    .action((words: string[]) => {
      console.log(safeJobId(words.join(' ')));
    });
}
