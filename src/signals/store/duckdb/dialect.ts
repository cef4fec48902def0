// DuckDB's side of the SQL renderer. Strings are standard SQL literals (no backslash escapes);
// control characters are spliced in with chr() so no byte of user input reaches the parser raw.
import type { ColumnName } from '../columns.js';
import type { Dialect } from '../sql.js';

export function duckString(value: string): string {
  const parts: string[] = [];
  let plain = '';
  for (const char of value) {
    const code = char.codePointAt(0)!;
    if (code < 0x20 || code === 0x7f) {
      if (plain) parts.push(`'${plain.replaceAll("'", "''")}'`);
      plain = '';
      parts.push(`chr(${code})`);
    } else plain += char;
  }
  if (plain || parts.length === 0) parts.push(`'${plain.replaceAll("'", "''")}'`);
  return parts.length === 1 ? parts[0]! : `(${parts.join(' || ')})`;
}

export const duckDialect: Dialect = {
  string: duckString,
  epoch: (column) => column,
  present: (column: ColumnName) => `${column} IS NOT NULL`,
  containsCi: (column, needle) => `contains(lower(${column}), lower(${needle}))`,
  regexLower: (column, pattern) => `regexp_matches(lower(${column}), ${pattern})`,
  countIf: (condition) => (condition ? `count(*) FILTER (WHERE ${condition})` : 'count(*)'),
  sumIf: (column, condition) =>
    `coalesce(sum(${column})${condition ? ` FILTER (WHERE ${condition})` : ''}, 0)`,
  uniqIf: (columns, condition) => {
    const value = columns.length === 1 ? columns[0]! : `(${columns.join(', ')})`;
    return `count(DISTINCT ${value})${condition ? ` FILTER (WHERE ${condition})` : ''}`;
  },
  intDiv: (a, b) => `(${a} // ${b})`,
  not: (condition) => `((${condition}) IS NOT TRUE)`,
  // Recipient and message-id lookups scan the 64-bit hash columns first (about twice as fast as
  // comparing the strings over 10M rows); the string test then removes hash collisions.
  inList: (column, columnSql, literals) => {
    const key = HASHED_COLUMNS[column];
    if (!key) return undefined;
    return `(${key} IN (${literals.map((l) => `hash(${l})`).join(', ')}) AND ${columnSql} IN (${literals.join(', ')}))`;
  },
};

export const HASHED_COLUMNS: Partial<Record<ColumnName, string>> = {
  rcpt_to: 'rcpt_key',
  message_id: 'msg_key',
};
