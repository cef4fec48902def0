// Events staged ahead of the write that commits them (EventStore.stage): each batch is appended,
// through one appender, to a table of its own in an in-memory database attached as `stage`, and
// flushed only once the whole batch is there, so a batch that fails halfway leaves nothing behind.
// A table per batch because DuckDB moves a flushed batch into an empty table whole but copies it
// value by value into one that already holds rows: 0.95 against 5.4 CPU µs per event (bench/signals
// events, 12,000-event batches), spent in the flush, on the main thread. The next batch's table is
// created while this one is processed, so no batch waits for a CREATE TABLE.
import type { DuckDBConnection } from '@duckdb/node-api';
import { COLUMNS } from '../columns.js';
import type { StagedEvents, StageFill } from '../types.js';
import { EventAppender } from './append.js';
import { STORED_COLUMNS } from './packed.js';
import { loaderType } from './schema.js';

/** The in-memory database staged events wait in (lost on a crash, like the batches' processing). */
export const STAGE = 'stage';

const STAGE_COLUMNS = STORED_COLUMNS.map((name) => `${name} ${loaderType(COLUMNS[name])}`).join(', ');

/** A write's staged events: one table per batch, in arrival order. */
export interface DuckStaged extends StagedEvents {
  readonly tables: string[];
  count: number;
}

export class DuckStaging {
  private created = 0;
  /** Empty tables ready for the next batches. */
  private readonly ready: string[] = [];
  private creating: Promise<void> | undefined;

  /**
   * `connection` appends; `ddl` creates tables ahead. Two connections because a statement started
   * on a connection ends the one still running there, and the next table is created while a batch
   * is being appended.
   */
  constructor(
    private readonly connection: DuckDBConnection,
    private readonly ddl: DuckDBConnection,
  ) {}

  async stage(fill: StageFill, onto?: StagedEvents): Promise<StagedEvents> {
    const table = await this.emptyTable();
    const appender = await EventAppender.open(this.connection, STAGE, table);
    let added = 0;
    try {
      await fill((events) => {
        appender.append(events);
        added += events.length;
      });
      appender.flush();
    } catch (error) {
      appender.clear();
      appender.close();
      // With the table go rows DuckDB flushed on its own (it does past about 200,000 rows).
      await this.drop([table], this.connection);
      throw error;
    }
    appender.close();
    const before = onto as DuckStaged | undefined;
    if (added === 0) {
      this.ready.push(table);
      return before ?? { tables: [], count: 0 };
    }
    const staged: DuckStaged = {
      tables: [...(before?.tables ?? []), table],
      count: (before?.count ?? 0) + added,
    };
    return staged;
  }

  /** Drops staged tables once written (outside the write's transaction: one may write to one database only). */
  async drop(tables: readonly string[], via: DuckDBConnection): Promise<void> {
    for (const table of tables) await via.run(`DROP TABLE ${STAGE}.${table}`).catch(() => undefined);
  }

  private async emptyTable(): Promise<string> {
    while (this.ready.length === 0) await this.create();
    const table = this.ready.shift()!;
    this.create().catch(() => undefined); // the next batch's, meanwhile; a failure shows there
    return table;
  }

  private create(): Promise<void> {
    this.creating ??= (async () => {
      const table = `events_${++this.created}`;
      await this.ddl.run(`CREATE TABLE ${STAGE}.${table} (${STAGE_COLUMNS})`);
      this.ready.push(table);
    })().finally(() => {
      this.creating = undefined;
    });
    return this.creating;
  }

  close(): void {
    this.connection.closeSync();
    this.ddl.closeSync();
  }
}
