// RFC 4180 CSV as PowerMTA writes it: quote a value only when it holds a comma, a double quote, CR
// or LF; double the quotes inside; empty values stay empty; records end with CRLF (powermta.md §3.4).

const NEEDS_QUOTES = /[",\r\n]/;

export function csvValue(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function csvLine(values: readonly string[]): string {
  return `${values.map(csvValue).join(',')}\r\n`;
}

/** Parses one CSV record (used by tests and by tools that read accounting files back). */
export function parseCsvLine(line: string): string[] {
  const values: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        current += '"';
        i++;
      } else if (c === '"') quoted = false;
      else current += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      values.push(current);
      current = '';
    } else if (c !== '\r' && c !== '\n') current += c;
  }
  values.push(current);
  return values;
}
