// DuckDB stores the columns no query reads inside `extra`, beside the unknown fields already there.
// The Events API shows them, but nothing filters, groups or sums by them. A point lookup (the
// recipient search, an injection lookup) pays per column for every row group it touches: setting
// up each column chunk, loading its blocks. With these 24 columns packed, the search reads 32
// columns instead of 56. On a copy of the 10M-event bench store that cut a search from 21 to 14 ms
// on a fresh start and from 14 to 7 ms repeated (docs/signals-store.md, Speed).
// Unknown fields go to `extra` only under names that are not columns (normalize.ts), so a packed
// column's name in `extra` is always that column. ClickHouse keeps every column: it reads only
// the columns a query names.
import { COLUMN_NAMES, COLUMNS, type ColumnName, type StoredEvent } from '../columns.js';

export const PACKED_COLUMNS = [
  'raw_rcpt_to',
  'rcpt_type',
  'routing_domain',
  'msg_from',
  'mailfrom',
  'template_version',
  'binding',
  'binding_group',
  'ip_address',
  'remote_addr',
  'error_code',
  'raw_reason',
  'outbound_tls',
  'delv_method',
  'recv_method',
  'fbtype',
  'report_by',
  'report_to',
  'user_agent',
  'click_tracking',
  'initial_pixel',
  'amp_enabled',
  'transactional',
  'custom_message_id',
] as const satisfies readonly ColumnName[];

const PACKED = new Set<ColumnName>(PACKED_COLUMNS);

/** The columns of DuckDB's events table (before its hash keys), in order. */
export const STORED_COLUMNS = COLUMN_NAMES.filter((name) => !PACKED.has(name));

/**
 * What DuckDB stores as `extra`: the event's extra fields and its packed columns as one JSON
 * object, or undefined when it has neither. Written field by field rather than through a merged
 * object: this runs for every stored event.
 */
export function packedExtra(event: StoredEvent): string | undefined {
  const fields = event as Record<string, unknown>;
  let json = '';
  for (const name of PACKED_COLUMNS) {
    const value = fields[name];
    if (value !== undefined && value !== null)
      json += `${json ? ',' : '{'}"${name}":${JSON.stringify(value)}`;
  }
  const extra = event.extra === undefined ? '{}' : JSON.stringify(event.extra);
  if (!json) return extra === '{}' ? undefined : extra;
  return extra === '{}' ? `${json}}` : `${json},${extra.slice(1)}`;
}

/** Moves the packed columns out of a read event's `extra` (rows.ts rowToEvent parsed it) into place. */
export function unpack(event: StoredEvent): StoredEvent {
  const extra = event.extra;
  if (!extra) return event;
  const fields = event as Record<string, unknown>;
  let others = 0;
  for (const name in extra) {
    if (!PACKED.has(name as ColumnName)) {
      others += 1;
      continue;
    }
    const value = extra[name];
    // A store migrated from separate columns (schema.ts) packed its booleans as 0 and 1.
    fields[name] = COLUMNS[name as ColumnName] === 'bool' ? value === true || value === 1 : value;
    delete extra[name];
  }
  if (others === 0) delete event.extra;
  return event;
}

/** The same packing in SQL, for a store whose events table still has the packed columns. */
export function packedExtraSql(): string {
  const packed = PACKED_COLUMNS.map((name) => `'${name}', ${name}`).join(', ');
  // json_merge_patch drops the keys whose value is NULL.
  return `nullif(json_merge_patch(coalesce(extra, '{}'), json_object(${packed}))::VARCHAR, '{}')`;
}
