// ClickHouse 18.16's side of the SQL renderer. 18.16 has no query parameters, so every value is an
// escaped literal: backslash and quote are escaped, every control byte becomes \xHH, and nothing
// else is special inside a quoted string.
import { COLUMNS, type ColumnName } from '../columns.js';
import type { Dialect } from '../sql.js';

export function chString(value: string): string {
  let out = "'";
  for (const char of value) {
    const code = char.codePointAt(0)!;
    if (char === '\\') out += '\\\\';
    else if (char === "'") out += "\\'";
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += char;
  }
  return `${out}'`;
}

/** Identifiers are ours (never user input) but may start with a dot (materialized view storage). */
export function chIdent(name: string): string {
  if (!/^[A-Za-z0-9_.]+$/.test(name)) throw new Error(`bad identifier ${name}`);
  return `\`${name}\``;
}

export const chDialect: Dialect = {
  string: chString,
  epoch: (column) => `toUInt32(${column})`,
  present: (column: ColumnName) => {
    const kind = COLUMNS[column];
    if (column === 'ts' || column === 'type' || column === 'event_id') return '1=1';
    return kind === 'string' || kind === 'json' ? `${column} != ''` : `isNotNull(${column})`;
  },
  containsCi: (column, needle) => `positionCaseInsensitiveUTF8(${column}, ${needle}) > 0`,
  regexLower: (column, pattern) => `match(lowerUTF8(${column}), ${pattern})`,
  countIf: (condition) => (condition ? `countIf(${condition})` : 'count()'),
  sumIf: (column, condition) => (condition ? `sumIf(${column}, ${condition})` : `sum(${column})`),
  uniqIf: (columns, condition) =>
    condition ? `uniqExactIf(${columns.join(', ')}, ${condition})` : `uniqExact(${columns.join(', ')})`,
  intDiv: (a, b) => `intDiv(${a}, ${b})`,
  not: (condition) => `NOT ifNull(${condition}, 0)`,
};
