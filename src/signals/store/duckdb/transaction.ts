import type { DuckDBConnection } from '@duckdb/node-api';

/** Runs `work` in one transaction on `connection`: committed if it succeeds, rolled back if it throws. */
export async function inTransaction(connection: DuckDBConnection, work: () => Promise<void>): Promise<void> {
  await connection.run('BEGIN TRANSACTION');
  try {
    await work();
    await connection.run('COMMIT');
  } catch (error) {
    await connection.run('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
