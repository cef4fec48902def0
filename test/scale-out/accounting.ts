// Reads an MTA node's accounting files (PowerMTA CSV, one header line per file) back, to reconcile
// what the node accounted with what the Signals server stored.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Every record of every accounting file in `dir`, as field → value. */
export function accountingRecords(dir: string): Array<Record<string, string>> {
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: Array<Record<string, string>> = [];
  for (const name of names) {
    const [header, ...lines] = readFileSync(join(dir, name), 'utf8').split('\r\n');
    const fields = csvFields(header ?? '');
    for (const line of lines) {
      if (!line) continue;
      const values = csvFields(line);
      out.push(Object.fromEntries(fields.map((f, i) => [f, values[i] ?? ''])));
    }
  }
  return out;
}

/** Records by type (r, d, b, t, …); with `jobsOnly`, only records that name a job (X-Job). */
export function accountingCounts(dir: string, jobsOnly = false): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const record of accountingRecords(dir)) {
    if (jobsOnly && !record.jobId) continue;
    counts[record.type!] = (counts[record.type!] ?? 0) + 1;
  }
  return counts;
}

/** One CSV line's fields (RFC 4180 quoting, as the accounting writer quotes). */
function csvFields(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else field += c;
  }
  fields.push(field);
  return fields;
}
