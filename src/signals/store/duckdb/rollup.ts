// DuckDB's side of the hourly rollup and the engagement table (../rollup.ts): their tables, the
// rows one write adds, the backfill of a store opened without them, and compaction. Each write
// adds just its own events, inside the write's transaction (duplicates never reach the store:
// ingest drops them first, so an event is counted once); compaction then merges the rollup rows
// of the hours written lately, so the rollup stays at one row per hour and key however small the
// writes are.
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Rollups } from '../aggregate-plan.js';
import { COLUMNS } from '../columns.js';
import {
  ENGAGEMENT_COLUMNS,
  ENGAGEMENT_TABLE,
  ENGAGEMENT_TYPES,
  HOUR,
  ROLLUP_KEYS,
  ROLLUP_SUMS,
  ROLLUP_TABLE,
} from '../rollup.js';
import { numberLiteral } from '../sql.js';
import { SQL_TYPES } from './schema.js';
import { countOf, createIfMissing } from './side-tables.js';

const KEYS = ROLLUP_KEYS.join(', ');
const SUMS = ROLLUP_SUMS.map((c) => `s_${c}`);

const ENGAGED = `type IN (${ENGAGEMENT_TYPES.map((t) => `'${t}'`).join(', ')})`;
/** Store_meta key recording that two messages' keys collided (the table is then not used). */
const COLLIDED = 'engagement_keys_collided';
/** Messages written since the last key check (a temporary table of the writer's connection). */
const UNCHECKED = 'engagement_unchecked';

function createSql(): string[] {
  const keys = ROLLUP_KEYS.map((c) => `${c} ${SQL_TYPES[COLUMNS[c]]}`);
  const sums = SUMS.map((s) => `${s} HUGEINT`);
  const engagement = ENGAGEMENT_COLUMNS.map((c) => `${c} ${SQL_TYPES[COLUMNS[c]]}`);
  return [
    `CREATE TABLE ${ROLLUP_TABLE} (ts UINTEGER NOT NULL, ${keys.join(', ')}, n BIGINT NOT NULL, ${sums.join(', ')})`,
    `CREATE TABLE ${ENGAGEMENT_TABLE} (${engagement.join(', ')}, msg_key UBIGINT)`,
  ];
}

/** Adds the events of `source` (`events` or the rows just appended to it) to both tables. */
function insertSql(source: string): string[] {
  const sums = ROLLUP_SUMS.map((c) => `sum(${c}) AS s_${c}`);
  // A message-less event has no key (the loader's hash(NULL) is a number, not NULL).
  const key = 'CASE WHEN message_id IS NULL THEN NULL ELSE msg_key END';
  return [
    `INSERT INTO ${ROLLUP_TABLE} SELECT (ts // ${HOUR}) * ${HOUR} AS ts, ${KEYS}, count(*) AS n, ${sums.join(', ')} FROM ${source} GROUP BY ALL`,
    `INSERT INTO ${ENGAGEMENT_TABLE} SELECT ${ENGAGEMENT_COLUMNS.join(', ')}, ${key} FROM ${source} WHERE ${ENGAGED}`,
  ];
}

/** How often new messages' keys are checked against the stored ones, and how often compacted. */
export interface RollupOptions {
  /** Milliseconds between key checks (default 10 s: a check reads every stored key once). */
  checkKeysEvery?: number;
  /** Events written between compactions (default 50,000). */
  compactAfter?: number;
}

export class DuckRollup {
  /** Oldest hour written since the last compaction, and how many events were counted since. */
  private touched = Number.POSITIVE_INFINITY;
  private appended = 0;
  private lastCheck = Date.now();

  private constructor(
    private keysUnique: boolean,
    private readonly options: Required<RollupOptions>,
  ) {}

  /**
   * Creates the tables from the stored events when the store has none yet (one transaction), and
   * checks every stored message key once (about 0.3 s per million opens and clicks).
   */
  static async open(writer: DuckDBConnection, options: RollupOptions = {}): Promise<DuckRollup> {
    await createIfMissing(writer, ROLLUP_TABLE, [...createSql(), ...insertSql('events')]);
    await writer.run(`CREATE TEMP TABLE IF NOT EXISTS ${UNCHECKED} (msg_key UBIGINT, message_id VARCHAR)`);
    const collisions = await countOf(
      writer,
      `SELECT count(*) FROM (SELECT msg_key FROM ${ENGAGEMENT_TABLE} GROUP BY msg_key HAVING count(DISTINCT message_id) > 1)`,
    );
    if (collisions) await writer.run(`INSERT OR REPLACE INTO store_meta VALUES ('${COLLIDED}', 'true')`);
    const collided = await countOf(writer, `SELECT count(*) FROM store_meta WHERE key = '${COLLIDED}'`);
    return new DuckRollup(collided === 0, { checkKeysEvery: 10_000, compactAfter: 50_000, ...options });
  }

  tables(): Rollups {
    return { hourly: true, engagement: this.keysUnique };
  }

  /** The row id events appended next will be above (read inside the write's transaction). */
  static async lastRowId(writer: DuckDBConnection): Promise<bigint> {
    const reader = await writer.runAndReadAll('SELECT coalesce(max(rowid), -1) FROM events');
    return BigInt(reader.getRows()[0]![0] as bigint | number);
  }

  /**
   * Adds the events appended after `lastRowId` (inside the same transaction, so row ids cannot be
   * renumbered in between), and compacts once enough rows have piled up.
   */
  async afterWrite(writer: DuckDBConnection, lastRowId: bigint): Promise<void> {
    const source = `events WHERE rowid > ${lastRowId}`;
    const added = await writer.runAndReadAll(
      `SELECT coalesce(min(ts), 0) AS first, count(*) AS n FROM ${source}`,
    );
    const [first, events] = added.getRows()[0]! as [number, bigint | number];
    if (Number(events) === 0) return;
    for (const sql of insertSql(`(SELECT * FROM ${source})`)) await writer.run(sql);
    if (this.keysUnique) {
      await writer.run(
        `INSERT INTO ${UNCHECKED} SELECT DISTINCT msg_key, message_id FROM ${source} AND ${ENGAGED} AND message_id IS NOT NULL`,
      );
      if (Date.now() - this.lastCheck >= this.options.checkKeysEvery) await this.checkKeys(writer);
    }
    this.appended += Number(events); // at most one rollup row per event
    this.touched = Math.min(this.touched, Math.floor(Number(first) / HOUR) * HOUR);
    if (this.appended >= this.options.compactAfter) await this.compact(writer);
  }

  /**
   * Looks for a stored message whose key equals a message's written since the last check but whose
   * id differs. Batched every few seconds: the check reads all stored keys, whatever it checks.
   */
  private async checkKeys(writer: DuckDBConnection): Promise<void> {
    const collisions = await countOf(
      writer,
      `SELECT count(*) FROM (SELECT DISTINCT msg_key, message_id FROM ${UNCHECKED}) AS added JOIN ${ENGAGEMENT_TABLE} AS stored USING (msg_key) WHERE stored.message_id <> added.message_id`,
    );
    await writer.run(`DELETE FROM ${UNCHECKED}`);
    this.lastCheck = Date.now();
    if (collisions === 0) return;
    await writer.run(`INSERT OR REPLACE INTO store_meta VALUES ('${COLLIDED}', 'true')`);
    // At once, even if the write is then rolled back: the raw path is exact either way.
    this.keysUnique = false;
  }

  /** Merges the rows of the hours written since the last compaction (inside the caller's transaction). */
  private async compact(writer: DuckDBConnection): Promise<void> {
    const from = numberLiteral(this.touched);
    const sums = SUMS.map((s) => `sum(${s}) AS ${s}`).join(', ');
    await writer.run(
      `CREATE OR REPLACE TEMP TABLE rollup_merge AS SELECT ts, ${KEYS}, sum(n) AS n, ${sums} FROM ${ROLLUP_TABLE} WHERE ts >= ${from} GROUP BY ALL`,
    );
    await writer.run(`DELETE FROM ${ROLLUP_TABLE} WHERE ts >= ${from}`);
    await writer.run(`INSERT INTO ${ROLLUP_TABLE} SELECT * FROM rollup_merge`);
    await writer.run('DROP TABLE rollup_merge');
    this.touched = Number.POSITIVE_INFINITY;
    this.appended = 0;
  }

  /** Retention: the rows before `day` (a UTC midnight) go with the events' days. */
  async dropBefore(writer: DuckDBConnection, day: number): Promise<void> {
    for (const table of [ROLLUP_TABLE, ENGAGEMENT_TABLE])
      await writer.run(`DELETE FROM ${table} WHERE ts < ${numberLiteral(day)}`);
  }
}
