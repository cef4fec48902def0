// Turns configuration text into a positioned tree of directives and blocks (powermta.md §1.1–1.2).
// Structure only: which directive belongs where is checked by build.ts. The parser never throws on
// bad input; every problem becomes a Diagnostic with a file and line, and parsing goes on.
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { Diagnostic, Position } from './diagnostics.js';

export interface DirectiveNode {
  type: 'directive';
  /** As written (build.ts lower-cases it for lookup; pattern blocks need the original). */
  name: string;
  /** The rest of the line, comment removed, trimmed, quotes kept. */
  value: string;
  /** The value split on whitespace, quotes removed and escapes applied. */
  words: string[];
  pos: Position;
}

export interface BlockNode {
  type: 'block';
  tag: string;
  /** The tag argument (`<domain *.example.com>` → `*.example.com`), unquoted. */
  arg: string;
  children: ConfigNode[];
  pos: Position;
}

export type ConfigNode = DirectiveNode | BlockNode;

export interface ParseResult {
  nodes: ConfigNode[];
  diagnostics: Diagnostic[];
  /** Every file read, the main one first (for reload and for error messages). */
  files: string[];
}

export const MAX_INCLUDE_DEPTH = 16;
export const MAX_ERRORS_PER_FILE = 100;
const MAX_ECHO = 60;

/** Shortens user text echoed in messages, so a 1 MB line does not become a 1 MB message. */
export function echo(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this removes
  const printable = text.replace(/[\x00-\x1f\x7f]/g, '?');
  return printable.length > MAX_ECHO ? `${printable.slice(0, MAX_ECHO)}...` : printable;
}

interface Line {
  text: string;
  line: number;
}

/** Removes a `#` comment (outside double quotes) and reports an unterminated quote. */
function stripComment(raw: string): { text: string; unterminatedQuote: boolean } {
  let inQuotes = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (inQuotes && c === '\\') i++;
    else if (c === '"') inQuotes = !inQuotes;
    else if (c === '#' && !inQuotes) return { text: raw.slice(0, i).trim(), unterminatedQuote: false };
  }
  return { text: raw.trim(), unterminatedQuote: inQuotes };
}

/** Splits on whitespace; `"..."` groups words, and inside quotes a backslash escapes the next char. */
export function splitWords(value: string): string[] {
  const words: string[] = [];
  let current = '';
  let started = false;
  let inQuotes = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (inQuotes) {
      if (c === '\\' && i + 1 < value.length) {
        const next = value[i + 1]!;
        // Only quote, backslash, space and $ are escapes; "c:\my dir" keeps its backslash.
        current += '"\\ $'.includes(next) ? next : c + next;
        i++;
      } else if (c === '"') inQuotes = false;
      else current += c;
    } else if (c === '"') {
      inQuotes = true;
      started = true;
    } else if (c === ' ' || c === '\t') {
      if (started) words.push(current);
      current = '';
      started = false;
    } else {
      current += c;
      started = true;
    }
  }
  if (started) words.push(current);
  return words;
}

/** Joins physical lines into logical ones: a line ending in `,` continues on the next line. */
function logicalLines(text: string, report: (line: number, message: string) => void): Line[] {
  const raw = text.replace(/^\uFEFF/, '').split('\n');
  const lines: Line[] = [];
  let pending: Line | undefined;
  raw.forEach((physical, index) => {
    const { text: stripped, unterminatedQuote } = stripComment(physical.replace(/\r$/, ''));
    if (unterminatedQuote) {
      report(index + 1, 'unterminated quoted string');
    }
    if (pending) {
      pending.text += stripped;
      if (!stripped.endsWith(',')) {
        lines.push(pending);
        pending = undefined;
      }
      return;
    }
    if (stripped === '') return;
    const line = { text: stripped, line: index + 1 };
    // UNCONFIRMED in PowerMTA: generated configs split long lists after a trailing comma.
    if (stripped.endsWith(',') && !stripped.startsWith('<')) pending = line;
    else lines.push(line);
  });
  if (pending) lines.push(pending);
  return lines;
}

function unquote(text: string): string {
  const words = splitWords(text);
  return text.startsWith('"') && words.length === 1 ? words[0]! : text;
}

class FileParser {
  private readonly diagnostics: Diagnostic[] = [];
  private errorCount = 0;

  constructor(
    private readonly file: string,
    private readonly context: { files: string[]; includeStack: string[] },
  ) {}

  private report(line: number, message: string): void {
    this.errorCount++;
    if (this.errorCount <= MAX_ERRORS_PER_FILE) {
      this.diagnostics.push({ file: this.file, line, severity: 'error', message });
    } else if (this.errorCount === MAX_ERRORS_PER_FILE + 1) {
      this.diagnostics.push({
        file: this.file,
        line,
        severity: 'error',
        message: 'too many errors; stopped reporting',
      });
    }
  }

  parse(text: string): { nodes: ConfigNode[]; diagnostics: Diagnostic[] } {
    const root: BlockNode = {
      type: 'block',
      tag: '',
      arg: '',
      children: [],
      pos: { file: this.file, line: 0 },
    };
    const stack: BlockNode[] = [root];
    for (const { text: line, line: number } of logicalLines(text, (line, message) =>
      this.report(line, message),
    )) {
      const pos = { file: this.file, line: number };
      const top = stack[stack.length - 1]!;
      if (line.startsWith('</')) this.closeTag(line, number, stack);
      else if (line.startsWith('<')) {
        const block = this.openTag(line, pos);
        if (block) {
          top.children.push(block);
          stack.push(block);
        }
      } else {
        const [name = ''] = line.split(/[ \t]+/, 1);
        const value = line.slice(name.length).trim();
        if (name.toLowerCase() === 'include') top.children.push(...this.include(value, pos));
        else top.children.push({ type: 'directive', name, value, words: splitWords(value), pos });
      }
    }
    for (const open of stack.slice(1)) {
      this.report(open.pos.line, `<${echo(open.tag)}> is never closed`);
    }
    return { nodes: root.children, diagnostics: this.diagnostics };
  }

  private openTag(line: string, pos: Position): BlockNode | undefined {
    if (!line.endsWith('>')) {
      this.report(pos.line, `malformed tag "${echo(line)}" (missing ">")`);
      return undefined;
    }
    const inner = line.slice(1, -1).trim();
    const [tag = ''] = inner.split(/[ \t]+/, 1);
    if (!/^[a-z][a-z0-9.-]*$/i.test(tag) || tag.length > MAX_ECHO) {
      this.report(pos.line, `malformed tag "${echo(line)}"`);
      return undefined;
    }
    return {
      type: 'block',
      tag: tag.toLowerCase(),
      arg: unquote(inner.slice(tag.length).trim()),
      children: [],
      pos,
    };
  }

  private closeTag(line: string, number: number, stack: BlockNode[]): void {
    if (!line.endsWith('>')) {
      this.report(number, `malformed closing tag "${echo(line)}" (missing ">")`);
      return;
    }
    // Text after the tag name is tolerated: `</domain-key-list keylist-customer-one>` (UG50 §3.3.19).
    const name = (
      line
        .slice(2, -1)
        .trim()
        .split(/[ \t]+/, 1)[0] ?? ''
    ).toLowerCase();
    const index = stack.map((b) => b.tag).lastIndexOf(name);
    if (index < 1) {
      this.report(number, `closing tag </${echo(name)}> without a matching opening tag`);
      return;
    }
    for (const unclosed of stack.slice(index + 1)) {
      this.report(
        unclosed.pos.line,
        `<${unclosed.tag}> is never closed (found </${name}> at line ${number})`,
      );
    }
    stack.length = index;
  }

  private include(value: string, pos: Position): ConfigNode[] {
    const pattern = unquote(value);
    if (pattern === '') {
      this.report(pos.line, 'argument missing');
      return [];
    }
    const { includeStack } = this.context;
    if (includeStack.length >= MAX_INCLUDE_DEPTH) {
      this.report(pos.line, `too many include levels (more than ${MAX_INCLUDE_DEPTH})`);
      return [];
    }
    const absolute = isAbsolute(pattern) ? pattern : join(dirname(this.file), pattern);
    const files = /[*?]/.test(absolute) ? expandWildcards(absolute) : [absolute];
    const nodes: ConfigNode[] = [];
    for (const file of files) {
      let real: string;
      let text: string;
      try {
        real = realpathSync(file);
        text = readConfigText(file);
      } catch (error) {
        this.report(
          pos.line,
          `cannot read include file "${echo(file)}": ${(error as NodeJS.ErrnoException).code ?? error}`,
        );
        continue;
      }
      if (includeStack.includes(real)) {
        this.report(pos.line, `include loop: ${[...includeStack, real].join(' -> ')}`);
        continue;
      }
      const child = new FileParser(file, {
        files: this.context.files,
        includeStack: [...includeStack, real],
      });
      this.context.files.push(file);
      const result = child.parse(text);
      this.diagnostics.push(...result.diagnostics);
      nodes.push(...result.nodes);
    }
    return nodes;
  }
}

/** Expands `*` and `?` in any path segment; sorted, so the order is stable. */
function expandWildcards(path: string): string[] {
  const segments = resolve(path).split('/').slice(1);
  let bases = ['/'];
  for (const segment of segments) {
    if (!/[*?]/.test(segment)) {
      bases = bases.map((b) => join(b, segment));
      continue;
    }
    const regex = new RegExp(
      `^${segment
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')}$`,
    );
    bases = bases.flatMap((base) => {
      try {
        return readdirSync(base)
          .filter((name) => regex.test(name) && !name.startsWith('.'))
          .sort()
          .map((name) => join(base, name));
      } catch {
        return [];
      }
    });
  }
  return bases.filter((file) => {
    try {
      return statSync(file).isFile();
    } catch {
      return false;
    }
  });
}

/** Reads a config file as UTF-8 (invalid bytes become U+FFFD, so binary input cannot crash the lexer). */
export function readConfigText(file: string): string {
  return new TextDecoder('utf-8', { fatal: false }).decode(readFileSync(file));
}

/** Parses configuration text that claims to come from `file` (includes are relative to it). */
export function parseConfigText(text: string, file: string): ParseResult {
  const files = [file];
  let real = resolve(file);
  try {
    real = realpathSync(file);
  } catch {
    // text given directly (tests, stdin): no file on disk to resolve
  }
  const result = new FileParser(file, { files, includeStack: [real] }).parse(text);
  return { ...result, files };
}

export function parseConfigFile(file: string): ParseResult {
  return parseConfigText(readConfigText(file), file);
}
