import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

/** Result rows as plain objects. */
export type Rows = Record<string, unknown>[];

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

/**
 * Runs reads in one transaction on a fresh connection, so that several queries see the same
 * events while writes go on; nothing is committed.
 */
export async function inSnapshot<T>(
  instance: DuckDBInstance,
  read: (connection: DuckDBConnection) => Promise<T>,
): Promise<T> {
  const connection = await instance.connect();
  try {
    await connection.run('BEGIN TRANSACTION');
    return await read(connection);
  } finally {
    await connection.run('ROLLBACK').catch(() => undefined);
    connection.closeSync();
  }
}
