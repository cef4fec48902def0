// <email-patterns> body-pattern-file FILE (reference powermta.md §7): regular expressions with named
// groups for reports no built-in reader understands. PowerMTA does not publish the file's layout, so
// Outpost's is: one `/regex/` per line in the configuration's regex syntax (case-insensitive unless
// `(?-i)`, `(?P<name>` accepted), `#` comments. Every regex is run over the report's text; each
// match of a regex holding an `r` (or `rcpt`) group is one recipient, with the other groups of the
// same match; groups found outside such matches apply to every recipient. Group names: bounce
// processor `r`, `or`, `orig`, `diag`, `action`, `status`, `repMta`, `remMta`; feedback-loop processor
// `rcpt`, `orig`, `dlvSourceIp`, `reportedDomainTo`, `reportedDomainFrom`, `feedbackType`.
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { parseRegex } from '../config/patterns.js';
import { ConfigValueError } from '../config/values.js';

export interface BodyPatternFile {
  /** The report's `format`: the file name without its extension. */
  name: string;
  regexes: RegExp[];
}

export class PatternFileError extends Error {
  override name = 'PatternFileError';
}

export function parsePatternFile(text: string, name: string): BodyPatternFile {
  const regexes: RegExp[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    try {
      const regex = parseRegex(trimmed);
      regexes.push(new RegExp(regex.source, `${regex.flags}gm`));
    } catch (error) {
      if (!(error instanceof ConfigValueError)) throw error;
      throw new PatternFileError(`${name}:${index + 1}: ${error.message}`);
    }
  });
  if (regexes.length === 0) throw new PatternFileError(`${name}: no patterns`);
  if (!regexes.some((r) => /\(\?<(r|rcpt)>/.test(r.source))) {
    throw new PatternFileError(`${name}: no pattern has an r or rcpt group, so no recipient could be found`);
  }
  return { name, regexes };
}

export function loadPatternFile(path: string): BodyPatternFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new PatternFileError(`cannot read body-pattern-file ${path}: ${(error as Error).message}`);
  }
  return parsePatternFile(text, basename(path, extname(path)));
}

export type Groups = Record<string, string>;

export interface PatternMatch {
  name: string;
  /** One entry per recipient match. */
  recipients: Groups[];
}

/** The first file whose patterns find a recipient in `text`. */
export function matchPatternFiles(files: readonly BodyPatternFile[], text: string): PatternMatch | undefined {
  for (const file of files) {
    const shared: Groups = {};
    const recipients: Groups[] = [];
    for (const regex of file.regexes) {
      regex.lastIndex = 0;
      for (const match of text.matchAll(regex)) {
        const groups = Object.fromEntries(
          Object.entries(match.groups ?? {}).filter((e): e is [string, string] => e[1] !== undefined),
        );
        if (groups.r || groups.rcpt) recipients.push(groups);
        else Object.assign(shared, groups);
      }
    }
    if (recipients.length > 0)
      return { name: file.name, recipients: recipients.map((g) => ({ ...shared, ...g })) };
  }
  return undefined;
}
