// A stored event as the Events API returns it (reference sparkpost-api.md §2.2–2.3, §4): flat,
// public type names, ISO timestamps with milliseconds, the numbers SparkPost serializes as strings
// as strings, and the nested/unknown fields that travelled in `extra` back in place.
import { COLUMNS, type ColumnName, type StoredEvent } from '../store/columns.js';

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

export function renderEvent(event: StoredEvent): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(event)) {
    if (value === undefined || name === 'extra' || name === 'prefetched') continue;
    const kind = COLUMNS[name as ColumnName];
    if (name === 'ts') out.timestamp = iso(value as number);
    else if (kind === 'time') out[name] = iso(value as number);
    else if (kind === 'u16' || kind === 'u32') out[name] = String(value);
    else out[name] = value;
  }
  if (event.extra)
    for (const [key, value] of Object.entries(event.extra)) if (!(key in out)) out[key] = value;
  return out;
}
