// The events of a set of messages (the enricher's injection lookups), read from the wide events
// table in two steps like read-at-times.ts: the timestamps and 64-bit keys of the messages' events
// from the key column alone, then the events themselves, in groups of at most 64 timestamps with
// just those groups' keys. DuckDB filters a short IN list inside the scan but turns a long one into
// a join that reads every column of every row: on 10M events, 200 stored injections took ~2 s as
// one query. A message with no stored events costs the key column scan only.
import type { DuckDBInstance } from '@duckdb/node-api';
import { numberLiteral } from '../sql.js';
import { duckString } from './dialect.js';
import { MAX_TIMES } from './read-at-times.js';
import { inSnapshot, type Rows } from './transaction.js';

/** Timestamps (and their keys) per query: short enough for DuckDB to test in the scan. */
const GROUP = 64;

/**
 * Rows of `columns` (which must include message_id) for these messages and `where` (rendered SQL),
 * in no particular order, both steps in one snapshot; undefined when their events have too many
 * timestamps for the lookup to help (the caller then scans). Keys are 64-bit hashes, so the
 * message ids are checked here too.
 */
export async function readMessages(
  instance: DuckDBInstance,
  messageIds: readonly string[],
  columns: string,
  where: string | undefined,
): Promise<Rows | undefined> {
  const keys = messageIds.map((id) => `hash(${duckString(id)})`).join(', ');
  return inSnapshot(instance, async (connection) => {
    const found = (
      await connection.runAndReadAll(
        `SELECT DISTINCT ts, msg_key FROM events WHERE msg_key IN (${keys}) ORDER BY ts LIMIT ${MAX_TIMES + 1}`,
      )
    ).getRows() as Array<[number, bigint]>;
    if (found.length > MAX_TIMES) return undefined;
    const wanted = new Set(messageIds);
    const rows: Rows = [];
    for (const group of byTime(found)) {
      const times = group.times.map((ts) => `ts = ${numberLiteral(ts)}`).join(' OR ');
      const sql = `SELECT ${columns} FROM events WHERE msg_key IN (${[...group.keys].join(', ')}) AND (${times})${where ? ` AND ${where}` : ''}`;
      for (const row of (await connection.runAndReadAll(sql)).getRowObjectsJS()) {
        if (wanted.has(row.message_id as string)) rows.push(row);
      }
    }
    return rows;
  });
}

/** (ts, key) pairs in time order, cut into groups of at most GROUP distinct timestamps. */
function byTime(found: Array<[number, bigint]>): Array<{ times: number[]; keys: Set<string> }> {
  const groups: Array<{ times: number[]; keys: Set<string> }> = [];
  let group: { times: number[]; keys: Set<string> } | undefined;
  for (const [ts, key] of found) {
    const time = Number(ts);
    if (!group || (group.times.length === GROUP && group.times.at(-1) !== time)) {
      group = { times: [], keys: new Set() };
      groups.push(group);
    }
    if (group.times.at(-1) !== time) group.times.push(time);
    group.keys.add(String(key));
  }
  return groups;
}
