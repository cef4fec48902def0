// `outpost bounce …`: classify one SMTP reply, parse one report file.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { loadConfigFile } from '../config/load.js';
import type { OutpostConfig } from '../config/model.js';
import { type Classification, classify } from './classify.js';
import { reportToEvents } from './events.js';
import { parseReport } from './parse.js';
import { processorOptions } from './processor-options.js';
import { parseReply } from './reply.js';
import type { ParsedReport } from './report.js';

function configFrom(configFile: string | undefined): OutpostConfig | undefined {
  if (!configFile) return undefined;
  const { config, diagnostics } = loadConfigFile(configFile);
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) {
    throw new Error(`${configFile}: ${errors.length} configuration error(s); run outpost config check`);
  }
  return config;
}

export function formatClassification(c: Classification): string {
  const klass = c.bounceClass
    ? `${c.bounceClass.code} ${c.bounceClass.name} (${c.bounceClass.category}): ${c.bounceClass.description}`
    : 'none (not a bounce)';
  return [
    `PowerMTA bounce category: ${c.category}`,
    `SparkPost bounce class:   ${klass}`,
    `outcome:                  ${c.outcome}`,
    `dsnStatus:                ${c.dsnStatus}`,
    `dsnDiag:                  ${c.dsnDiag}`,
  ].join('\n');
}

/** The report as `outpost bounce parse` prints it: the original's full header list left out. */
export function printable(report: ParsedReport): unknown {
  const { headers: _, ...original } = report.original;
  return { ...report, original };
}

export function registerBounceCommands(program: Command): void {
  const bounce = program.command('bounce').description('bounce classification and report parsing');
  bounce
    .command('classify')
    .description('print the PowerMTA bounce category and SparkPost bounce class of an SMTP reply')
    .argument('<reply...>', 'the reply, e.g. "550 5.1.1 <a@b> User unknown"')
    .option('-c, --config <file>', "use this configuration's <bounce-category-patterns>")
    .option('--json', 'print JSON')
    .action((words: string[], options: { config?: string; json?: boolean }) => {
      const patterns = configFrom(options.config)?.bounceCategoryPatterns;
      const result = classify(parseReply(words.join(' ')), patterns ? { patterns } : {});
      console.log(options.json ? JSON.stringify(result, null, 2) : formatClassification(result));
    });
  bounce
    .command('parse')
    .description('print, as JSON, what the bounce and feedback-loop processors extract from one message')
    .argument('<file>', 'the message (RFC 5322), e.g. a saved DSN or ARF report')
    .option('-c, --config <file>', "use this configuration's bounce categories and <email-patterns>")
    .option('--events', 'print the event records the processor would emit instead')
    .action(async (file: string, options: { config?: string; events?: boolean }) => {
      const config = configFrom(options.config);
      const report = await parseReport(readFileSync(file), config ? processorOptions(config) : {});
      const events = () => reportToEvents(report).map(({ headers: _, ...event }) => event);
      console.log(JSON.stringify(options.events ? events() : printable(report), null, 2));
    });
}
