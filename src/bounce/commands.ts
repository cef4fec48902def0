// `outpost bounce …`: classify one SMTP reply, parse one report file.
import type { Command } from 'commander';
import { loadConfigFile } from '../config/load.js';
import type { BounceCategoryPattern } from '../config/model.js';
import { type Classification, classify } from './classify.js';
import { parseReply } from './reply.js';

/** The <bounce-category-patterns> of a config file, or undefined for the stock list. */
function patternsFrom(configFile: string | undefined): BounceCategoryPattern[] | undefined {
  if (!configFile) return undefined;
  const { config, diagnostics } = loadConfigFile(configFile);
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0)
    throw new Error(`${configFile}: ${errors.length} configuration error(s); run outpost config check`);
  return config.bounceCategoryPatterns;
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

export function registerBounceCommands(program: Command): void {
  const bounce = program.command('bounce').description('bounce classification and report parsing');
  bounce
    .command('classify')
    .description('print the PowerMTA bounce category and SparkPost bounce class of an SMTP reply')
    .argument('<reply...>', 'the reply, e.g. "550 5.1.1 <a@b> User unknown"')
    .option('-c, --config <file>', "use this configuration's <bounce-category-patterns>")
    .option('--json', 'print JSON')
    .action((words: string[], options: { config?: string; json?: boolean }) => {
      const patterns = patternsFrom(options.config);
      const result = classify(parseReply(words.join(' ')), patterns ? { patterns } : {});
      console.log(options.json ? JSON.stringify(result, null, 2) : formatClassification(result));
    });
}
