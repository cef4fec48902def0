// The parse options a configuration implies: its bounce categories, the body-pattern files of both
// processors (relative paths are relative to the configuration file), and the Signals custom
// message-id header. Pattern files are read once here, so a bad file fails at load, not per report.
import { isAbsolute, join } from 'node:path';
import type { OutpostConfig } from '../config/model.js';
import { loadPatternFile } from './email-patterns.js';
import type { ParseOptions } from './parse.js';

export function processorOptions(config: OutpostConfig): ParseOptions {
  const files = [
    ...(config.bounceProcessor?.bodyPatternFiles ?? []),
    ...(config.feedbackLoopProcessor?.bodyPatternFiles ?? []),
  ];
  const options: ParseOptions = {
    bodyPatterns: files.map((f) => loadPatternFile(isAbsolute(f) ? f : join(config.baseDir, f))),
  };
  if (config.bounceCategoryPatterns) options.patterns = config.bounceCategoryPatterns;
  const header = config.signals?.['custom-message-id-header'];
  if (header) options.match = { customMessageIdHeader: header };
  return options;
}
