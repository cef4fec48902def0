// What the tables kept beside `events` (the hourly rollup, the recipient lookup) share: each is
// built from the stored events the first time a store opens without it, and reads counts back.
import type { DuckDBConnection } from '@duckdb/node-api';
import { inTransaction } from './transaction.js';

/** The first column of the first row of `sql` (a count), as a number. */
export async function countOf(connection: DuckDBConnection, sql: string): Promise<number> {
  const reader = await connection.runAndReadAll(sql);
  return Number(reader.getRows()[0]![0]);
}

/** Runs `statements` in one transaction when the store has no table named `table` yet. */
export async function createIfMissing(
  writer: DuckDBConnection,
  table: string,
  statements: readonly string[],
): Promise<void> {
  if (await countOf(writer, `SELECT count(*) FROM duckdb_tables() WHERE table_name = '${table}'`)) return;
  await inTransaction(writer, async () => {
    for (const sql of statements) await writer.run(sql);
  });
}
