// DuckDB's recipient lookup: a narrow side table of (rcpt_key, ts) for every stored event, so a
// search naming recipients reads a few row groups instead of the 64-bit key column of every event
// (zone maps cannot skip random hashes in `events`; 10M events: ~50 ms, here ~12 ms).
// - `recipient_keys` is sorted by key, so its zone maps prune a lookup to one or two row groups;
//   `recipient_keys_tail` holds what writes added since the last merge, unsorted, scanned whole.
//   Each write adds its rows to the tail inside the write's transaction; once the tail reaches
//   max(mergeAfter, sorted / tailShare) rows it is merged (the sorted part rewritten, ~0.1 µs a
//   row), so each event is re-sorted about tailShare + 1 times in all, and the tail stays a small
//   fraction of the whole (an unsorted scan of 600k keys costs ~1 ms).
// - A search then reads the events by the timestamps found: events are appended in about time
//   order, so `ts IN (…)` lets the events table's zone maps skip all but those rows' row groups.
//   The recipient condition itself is still applied to the events (key and string), so a stale or
//   colliding side-table row can only add a timestamp, never change an answer.
// - Retention deletes the same days; a store opened without the tables builds them from `events`.
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { Condition } from '../query.js';
import { and } from '../query.js';
import { numberLiteral, renderCondition } from '../sql.js';
import { duckDialect, duckString } from './dialect.js';
import { MAX_TIMES, readAtTimes } from './read-at-times.js';
import { countOf, createIfMissing } from './side-tables.js';
import type { Rows } from './transaction.js';

const SORTED = 'recipient_keys';
const TAIL = 'recipient_keys_tail';
/** More recipients in one search than this: the plain scan (the lookup list would be long). */
const MAX_RECIPIENTS = 64;

export interface RecipientKeyOptions {
  /** Tail rows that make a write merge the tail into the sorted part, at least (default 50,000). */
  mergeAfter?: number;
  /** The tail may grow to 1/tailShare of the sorted part before it is merged (default 16). */
  tailShare?: number;
}

export class DuckRecipientKeys {
  private constructor(
    private sorted: number,
    private tail: number,
    private readonly options: Required<RecipientKeyOptions>,
  ) {}

  /** Opens the tables, building them from the stored events when the store has none yet. */
  static async open(writer: DuckDBConnection, options: RecipientKeyOptions = {}): Promise<DuckRecipientKeys> {
    await createIfMissing(writer, SORTED, [
      `CREATE TABLE ${SORTED} AS SELECT rcpt_key, ts FROM events ORDER BY rcpt_key`,
      `CREATE TABLE ${TAIL} (rcpt_key UBIGINT, ts UINTEGER)`,
    ]);
    const keys = new DuckRecipientKeys(0, 0, { mergeAfter: 50_000, tailShare: 16, ...options });
    await keys.recount(writer);
    return keys;
  }

  private async recount(writer: DuckDBConnection): Promise<void> {
    this.sorted = await countOf(writer, `SELECT count(*) FROM ${SORTED}`);
    this.tail = await countOf(writer, `SELECT count(*) FROM ${TAIL}`);
  }

  /**
   * Adds the events appended after `lastRowId` to the tail (inside the write's transaction), and
   * merges once the tail is big enough. The counts only time the merges: should the transaction
   * roll back after they moved, a merge comes a little early or late, nothing else.
   */
  async afterWrite(writer: DuckDBConnection, lastRowId: bigint): Promise<void> {
    const added = await writer.runAndReadAll(
      `INSERT INTO ${TAIL} SELECT rcpt_key, ts FROM events WHERE rowid > ${lastRowId}`,
    );
    this.tail += Number(added.getRows()[0]?.[0] ?? 0);
    const { mergeAfter, tailShare } = this.options;
    if (this.tail >= Math.max(mergeAfter, this.sorted / tailShare)) await this.merge(writer);
  }

  /** Rewrites the sorted part with the tail's rows in key order and empties the tail. */
  private async merge(writer: DuckDBConnection): Promise<void> {
    await writer.run(
      `CREATE OR REPLACE TABLE ${SORTED} AS SELECT * FROM (SELECT * FROM ${SORTED} UNION ALL SELECT * FROM ${TAIL}) ORDER BY rcpt_key`,
    );
    // Recreated rather than emptied: its deleted rows would be scanned until a checkpoint.
    await writer.run(`CREATE OR REPLACE TABLE ${TAIL} (rcpt_key UBIGINT, ts UINTEGER)`);
    this.sorted += this.tail;
    this.tail = 0;
  }

  /** Retention: the rows before `day` (a UTC midnight) go with the events' days. */
  async dropBefore(writer: DuckDBConnection, day: number): Promise<void> {
    for (const table of [SORTED, TAIL])
      await writer.run(`DELETE FROM ${table} WHERE ts < ${numberLiteral(day)}`);
    await this.recount(writer);
  }
}

/**
 * Runs `render(where)` narrowed to the timestamps of the events of the recipients it names (a
 * top-level `rcpt_to IN`). Undefined when `where` names no such list or the recipients have too
 * many events for a timestamp list to help: the caller then scans.
 */
export async function readByRecipients(
  instance: DuckDBInstance,
  where: Condition,
  render: (where: Condition) => string,
): Promise<Rows | undefined> {
  const lookup = lookupSql(where);
  return lookup ? readAtTimes(instance, lookup, where, render) : undefined;
}

/** The distinct timestamps (within the condition's top-level time bounds) of the recipients' events. */
function lookupSql(where: Condition): string | undefined {
  const items = 'all' in where ? where.all : [where];
  const recipients = items.find(
    (c): c is { column: 'rcpt_to'; in: readonly string[] } =>
      'in' in c && c.column === 'rcpt_to' && c.in.length <= MAX_RECIPIENTS,
  );
  if (!recipients) return undefined;
  const keys = recipients.in.map((r) => `hash(${duckString(String(r))})`).join(', ') || 'NULL';
  const bounds = items.filter((c) => 'cmp' in c && c.column === 'ts');
  const filter = `rcpt_key IN (${keys}) AND ${renderCondition(duckDialect, and(...bounds), (c) => c)}`;
  return `SELECT DISTINCT ts FROM (SELECT ts FROM ${SORTED} WHERE ${filter} UNION ALL SELECT ts FROM ${TAIL} WHERE ${filter}) LIMIT ${MAX_TIMES + 1}`;
}
