// Entry points: read a file (with its includes), build the model, return it with every diagnostic.
import { isAbsolute, resolve } from 'node:path';
import { ConfigBuilder } from './build.js';
import { ConfigError, type Diagnostic, hasErrors } from './diagnostics.js';
import type { LoadResult, OutpostConfig } from './model.js';
import { MAX_ERRORS_PER_FILE, type ParseResult, parseConfigFile, parseConfigText } from './parse.js';

/** Keeps the first MAX_ERRORS_PER_FILE errors of each file, so hostile input cannot flood the output. */
function capErrors(diagnostics: Diagnostic[]): Diagnostic[] {
  const counts = new Map<string, number>();
  return diagnostics.flatMap((d) => {
    if (d.severity !== 'error') return [d];
    const count = (counts.get(d.file) ?? 0) + 1;
    counts.set(d.file, count);
    if (count <= MAX_ERRORS_PER_FILE) return [d];
    return count === MAX_ERRORS_PER_FILE + 1 ? [{ ...d, message: 'too many errors; stopped reporting' }] : [];
  });
}

function finish(parsed: ParseResult): LoadResult {
  const builder = new ConfigBuilder(parsed.files);
  const config = builder.build(parsed.nodes);
  const sorted = [...parsed.diagnostics, ...builder.diagnostics].sort((a, b) =>
    a.file === b.file ? a.line - b.line : parsed.files.indexOf(a.file) - parsed.files.indexOf(b.file),
  );
  return { config, diagnostics: capErrors(sorted) };
}

/** Loads a config file; unreadable files are a diagnostic too, never an exception. */
export function loadConfigFile(file: string): LoadResult {
  let parsed: ParseResult;
  try {
    parsed = parseConfigFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    parsed = {
      nodes: [],
      files: [file],
      diagnostics: [{ file, line: 0, severity: 'error', message: `cannot read file: ${code}` }],
    };
  }
  return finish(parsed);
}

/** Loads configuration text as if it were the file `file` (tests, config pushed over HTTP). */
export function loadConfigText(text: string, file = 'config'): LoadResult {
  return finish(parseConfigText(text, file));
}

/** Loads and insists on no errors (start, reload): throws ConfigError listing them. */
export function requireValidConfig(file: string): { config: OutpostConfig; warnings: Diagnostic[] } {
  const { config, diagnostics } = loadConfigFile(file);
  if (hasErrors(diagnostics)) throw new ConfigError(diagnostics);
  return { config, warnings: diagnostics };
}

/** A path from the config, relative to the main config file's directory unless absolute. */
export function configPath(config: OutpostConfig, path: string): string {
  return isAbsolute(path) ? path : resolve(config.baseDir, path);
}

/** The data directory (`<outpost> data-dir`), absolute. */
export function dataDir(config: OutpostConfig): string {
  return configPath(config, config.outpost['data-dir'] ?? '/var/lib/outpost');
}
