// Point lookups on the wide events table in two steps (the recipient search; message lookups do
// the same in message-lookup.ts). A narrow query first finds the timestamps of the wanted events
// in a side table; the real query then runs with those timestamps added, so DuckDB's zone maps
// skip every row group without them. Reading every column of a big table to find a few rows is
// what made these lookups slow. The wanted rows' own condition is still applied by the real query,
// so the timestamps can only narrow it.
import type { DuckDBInstance } from '@duckdb/node-api';
import type { Condition } from '../query.js';
import { and } from '../query.js';
import { inSnapshot, type Rows } from './transaction.js';

/** More matching timestamps than this: the caller's plain scan (a very long IN list plans slowly). */
export const MAX_TIMES = 2000;
/** Up to this many timestamps are tested one by one in the scan (see readAtTimes). */
const OR_TIMES = 64;

/**
 * Runs `lookup` (a query of distinct `ts` values, limited to MAX_TIMES + 1), then `render(where)`
 * with `where` narrowed to those timestamps, both in one transaction so they see the same events.
 * Undefined when there are too many timestamps for the list to help: the caller then scans.
 */
export async function readAtTimes(
  instance: DuckDBInstance,
  lookup: string,
  where: Condition,
  render: (where: Condition) => string,
): Promise<Rows | undefined> {
  return inSnapshot(instance, async (connection) => {
    const times = (await connection.runAndReadAll(lookup)).getRows().map((row) => Number(row[0]));
    if (times.length > MAX_TIMES) return undefined;
    // Up to 64 timestamps as `ts = a OR ts = b …`: DuckDB applies the OR in the scan, so vectors
    // without those timestamps skip the other columns, where an IN list only prunes row groups
    // (bench store, fresh buffers: median 26-31 vs 35-84 ms). A longer OR plans slowly (2,000: 0.3 s).
    const exact: Condition =
      times.length <= OR_TIMES
        ? { any: times.map((ts) => ({ column: 'ts', cmp: '=', value: ts })) }
        : { column: 'ts', in: times };
    const reader = await connection.runAndReadAll(render(and(where, exact)));
    return reader.getRowObjectsJS() as Rows;
  });
}
