// The embedded engine: DuckDB in this process, one file. Events are staged as they are processed:
// each batch appended as typed data chunks (append.ts) to a table of its own in an in-memory
// database attached as `stage` (staging.ts), on connections of their own, so staging goes on while
// a write runs. A write then moves its staged rows into `events` with INSERT … SELECT (adding the
// hash keys), in one transaction on the writer connection, which serializes writes; batch records
// and failed lines, a few per batch, are bulk-loaded from NDJSON. Reads each take a fresh
// connection, which costs microseconds and lets queries run while a write is in progress.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { Logger } from '../../../logging.js';
import { planAggregate, runAggregate } from '../aggregate-plan.js';
import { renderCohortDay } from '../cohort-sql.js';
import type { CohortDaySpec, CohortDayState, CohortQuery, CohortRow } from '../cohorts.js';
import type { ColumnKind, StoredEvent } from '../columns.js';
import { batchWhere, keysetAfter } from '../paging.js';
import type { AggregateQuery, AggregateRow, Condition, SearchQuery } from '../query.js';
import { and } from '../query.js';
import {
  BATCH_COLUMNS,
  FAILURE_COLUMNS,
  recordsToNdjson,
  rowToBatch,
  rowToEvent,
  rowToFailure,
  toCohortRows,
  toNumber,
} from '../rows.js';
import { numberLiteral, renderCondition } from '../sql.js';
import { type TrapCounting, trapDaysQuery } from '../trap-days.js';
import type {
  BatchQuery,
  BatchRecord,
  EventStore,
  FailedEvent,
  IngestWrite,
  StagedEvents,
  StageFill,
} from '../types.js';
import { COHORT_COLUMNS, cohortSchemaStatements, duckCohortAggregate, duckCohortDialect } from './cohorts.js';
import { duckDialect, duckString } from './dialect.js';
import { readMessages } from './message-lookup.js';
import { STORED_COLUMNS, unpack } from './packed.js';
import { DuckRecipientKeys, type RecipientKeyOptions, readByRecipients } from './recipient-keys.js';
import { DuckRollup, type RollupOptions } from './rollup.js';
import { loaderType, migrateSchema, schemaStatements } from './schema.js';
import { SearchCounts } from './search-counts.js';
import { type DuckStaged, DuckStaging, STAGE } from './staging.js';
import { narrowTokens } from './token-values.js';
import { inTransaction } from './transaction.js';
import { insertTrapDays, TRAP_LIST_KEY, toTrapRows, trapAggregateSql, trapDaysSchema } from './trap-days.js';

export interface DuckDbStoreOptions {
  /** Database file; `:memory:` for a throwaway store. */
  path: string;
  /** Where bulk-load files are staged for a moment (default: beside the database). */
  tmpDir: string;
  threads?: number;
  memoryLimit?: string;
  /** Rollup upkeep intervals (tests shorten them). */
  rollup?: RollupOptions;
  /** When the recipient lookup's tail is merged (tests shorten it). */
  recipientKeys?: RecipientKeyOptions;
  /** Told of a schema migration when the store opens. */
  log?: Logger;
}

const column = (name: string) => name;
const byTimeThenId = (a: StoredEvent, b: StoredEvent) =>
  a.ts - b.ts || (a.event_id < b.event_id ? -1 : a.event_id > b.event_id ? 1 : 0);
const EVENT_SELECT = STORED_COLUMNS.join(', ');
const toEvent = (row: Record<string, unknown>) => unpack(rowToEvent(row));
export class DuckDbStore implements EventStore {
  readonly engine = 'duckdb' as const;
  private writeChain: Promise<unknown> = Promise.resolve();
  private loads = 0;
  private cohortTables: Promise<void> | undefined;
  /** The fingerprint of the spam-trap list trap_days counts for (store_meta), if any. */
  private trapList: string | undefined;
  private readonly reads = new Map<string, Promise<Record<string, unknown>[]>>();
  private readonly searchCounts = new SearchCounts();

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly writer: DuckDBConnection,
    private readonly staging: DuckStaging,
    private readonly tmpDir: string,
    private readonly rollup: DuckRollup,
    private readonly recipientKeys: DuckRecipientKeys,
  ) {}

  static async open(options: DuckDbStoreOptions): Promise<DuckDbStore> {
    const settings: Record<string, string> = {};
    if (options.threads) settings.threads = String(options.threads);
    if (options.memoryLimit) settings.memory_limit = options.memoryLimit;
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    const instance = await DuckDBInstance.create(options.path, settings);
    const writer = await instance.connect();
    for (const sql of schemaStatements()) await writer.run(sql);
    await migrateSchema(writer, options.log);
    const rollup = await DuckRollup.open(writer, options.rollup);
    const recipientKeys = await DuckRecipientKeys.open(writer, options.recipientKeys);
    await writer.run(`ATTACH ':memory:' AS ${STAGE}`);
    mkdirSync(options.tmpDir, { recursive: true });
    const staging = new DuckStaging(await instance.connect(), await instance.connect());
    return new DuckDbStore(instance, writer, staging, options.tmpDir, rollup, recipientKeys);
  }

  stage(fill: StageFill, onto?: StagedEvents): Promise<StagedEvents> {
    return this.staging.stage(fill, onto);
  }

  ingest(write: IngestWrite): Promise<void> {
    return this.serialized(() => this.ingestNow(write));
  }

  private async ingestNow(write: IngestWrite): Promise<void> {
    const files: string[] = [];
    const stage = (text: string) => {
      const file = join(this.tmpDir, `load-${process.pid}-${++this.loads}.ndjson`);
      writeFileSync(file, text);
      files.push(file);
      return file;
    };
    try {
      const events = write.events;
      const own = events.length ? ((await this.stage(async (add) => add(events))) as DuckStaged).tables : [];
      const staged = [...((write.staged ?? []) as DuckStaged[]).flatMap((s) => s.tables), ...own];
      try {
        await this.transaction(async () => {
          if (staged.length) {
            const lastRowId = await DuckRollup.lastRowId(this.writer);
            // One statement per staging table keeps the rows in arrival order.
            for (const table of staged) {
              await this.writer.run(
                `INSERT INTO events (${EVENT_SELECT}, rcpt_key, msg_key) SELECT ${EVENT_SELECT}, hash(rcpt_to), hash(message_id) FROM ${STAGE}.${table}`,
              );
            }
            await this.rollup.afterWrite(this.writer, lastRowId);
            await this.recipientKeys.afterWrite(this.writer, lastRowId);
          }
          if (write.batches.length)
            await this.load('batches', BATCH_COLUMNS, stage(recordsToNdjson(write.batches)));
          if (write.failures.length)
            await this.load('batch_failures', FAILURE_COLUMNS, stage(recordsToNdjson(write.failures)));
        });
      } catch (error) {
        await this.staging.drop(own, this.writer); // the caller's staged events stay for its retry
        throw error;
      }
      await this.staging.drop(staged, this.writer);
    } finally {
      for (const file of files) rmSync(file, { force: true });
    }
  }

  private async load(table: string, columns: Record<string, ColumnKind | 'ms'>, file: string) {
    const names = Object.keys(columns).join(', ');
    const spec = Object.entries(columns)
      .map(([n, kind]) => `${n}: '${loaderType(kind)}'`)
      .join(', ');
    await this.writer.run(
      `INSERT INTO ${table} (${names}) SELECT ${names} FROM read_ndjson(${duckString(file)}, columns = {${spec}}, format = 'newline_delimited')`,
    );
  }

  /**
   * Runs a read. The same statement already running is joined, not run again: a dashboard page
   * sends its requests together and two of them may need the same rows (the health score and the
   * spam-trap report both count sends to traps), which on two cores halves the page's wait.
   */
  private read(sql: string): Promise<Record<string, unknown>[]> {
    let running = this.reads.get(sql);
    if (!running) {
      running = this.readNow(sql).finally(() => this.reads.delete(sql));
      this.reads.set(sql, running);
    }
    return running;
  }

  private async readNow(sql: string): Promise<Record<string, unknown>[]> {
    const connection = await this.instance.connect();
    try {
      const reader = await connection.runAndReadAll(sql);
      return reader.getRowObjectsJS() as Record<string, unknown>[];
    } finally {
      connection.closeSync();
    }
  }

  private where(c: Condition): string {
    return renderCondition(duckDialect, c, column);
  }

  async search(query: SearchQuery): Promise<StoredEvent[]> {
    const where = await this.narrowed(and(query.where, keysetAfter(query.after)));
    const rows = this.readEvents(
      where,
      (w) =>
        `SELECT ${EVENT_SELECT} FROM events WHERE ${this.where(w)} ORDER BY ts DESC, event_id DESC LIMIT ${numberLiteral(query.limit)}`,
    );
    if (!query.after) this.searchCounts.track(this.where(where), query.limit, rows);
    return (await rows).map(toEvent);
  }

  async count(asked: Condition): Promise<number> {
    const where = await this.narrowed(asked);
    const known = await this.searchCounts.known(this.where(where));
    if (known !== undefined) return known;
    const rows = await this.readEvents(
      where,
      (w) => `SELECT count(*) AS n FROM events WHERE ${this.where(w)}`,
    );
    return toNumber(rows[0]?.n);
  }

  /** Keyword filters as the values they match (token-values.ts); search and count share the lookup (read()). */
  private narrowed(where: Condition): Promise<Condition> {
    return narrowTokens(where, (sql) => this.read(sql));
  }

  /** A read of events, through the recipient lookup when `where` names recipients. */
  private async readEvents(where: Condition, render: (where: Condition) => string) {
    return (await readByRecipients(this.instance, where, render)) ?? (await this.read(render(where)));
  }

  aggregate(query: AggregateQuery): Promise<AggregateRow[]> {
    const parts = planAggregate(duckDialect, query, 'events', column, this.rollup.tables());
    return runAggregate(parts, query, (sql) => this.read(sql));
  }

  /** Through the messages' keys first (message-lookup.ts); oldest first, as the contract says. */
  async eventsByMessageIds(messageIds: readonly string[], where?: Condition): Promise<StoredEvent[]> {
    if (messageIds.length === 0) return [];
    const rows =
      (await readMessages(this.instance, messageIds, EVENT_SELECT, where && this.where(where))) ??
      (await this.read(
        `SELECT ${EVENT_SELECT} FROM events WHERE ${this.where(and({ column: 'message_id', in: messageIds }, where))}`,
      ));
    return rows.map(toEvent).sort(byTimeThenId);
  }

  async *eventIdsSince(since: number): AsyncIterable<string[]> {
    const connection = await this.instance.connect();
    try {
      const result = await connection.stream(
        `SELECT event_id FROM events WHERE ts >= ${numberLiteral(since)}`,
      );
      for await (const rows of result.yieldRowsJs()) yield rows.map((r) => String(r[0]));
    } finally {
      connection.closeSync();
    }
  }

  async batches(query: BatchQuery): Promise<BatchRecord[]> {
    const where = batchWhere(duckDialect, query);
    const rows = await this.read(
      `SELECT * FROM batches WHERE ${where} ORDER BY received_at DESC, batch_id DESC LIMIT ${numberLiteral(query.limit)}`,
    );
    return rows.map(rowToBatch);
  }

  async countBatches(query: BatchQuery): Promise<number> {
    const rows = await this.read(`SELECT count(*) AS n FROM batches WHERE ${batchWhere(duckDialect, query)}`);
    return toNumber(rows[0]?.n);
  }

  async batchByHash(contentHash: string): Promise<BatchRecord | undefined> {
    const rows = await this.read(
      `SELECT * FROM batches WHERE content_hash = ${duckString(contentHash)} AND status <> 'duplicate_batch' LIMIT 1`,
    );
    return rows[0] ? rowToBatch(rows[0]) : undefined;
  }

  async batchById(batchId: string): Promise<BatchRecord | undefined> {
    const rows = await this.read(`SELECT * FROM batches WHERE batch_id = ${duckString(batchId)} LIMIT 1`);
    return rows[0] ? rowToBatch(rows[0]) : undefined;
  }

  async failures(batchId: string): Promise<FailedEvent[]> {
    const rows = await this.read(
      `SELECT * FROM batch_failures WHERE batch_id = ${duckString(batchId)} ORDER BY line`,
    );
    return rows.map(rowToFailure);
  }

  async dropEventDaysBefore(day: number): Promise<void> {
    const midnight = day - (day % 86400);
    await this.serialized(() =>
      this.transaction(async () => {
        await this.writer.run(`DELETE FROM events WHERE ts < ${numberLiteral(midnight)}`);
        await this.rollup.dropBefore(this.writer, midnight);
        await this.recipientKeys.dropBefore(this.writer, midnight);
      }),
    );
  }

  async dropBatchesBefore(ts: number): Promise<void> {
    await this.serialized(async () => {
      const t = numberLiteral(ts);
      await this.writer.run(
        `DELETE FROM batch_failures WHERE batch_id IN (SELECT batch_id FROM batches WHERE received_at < ${t})`,
      );
      await this.writer.run(`DELETE FROM batches WHERE received_at < ${t}`);
    });
  }

  private cohortsReady(): Promise<void> {
    this.cohortTables ??= this.serialized(async () => {
      for (const sql of [...cohortSchemaStatements(), trapDaysSchema()]) await this.writer.run(sql);
      const meta = await this.writer.runAndReadAll(
        `SELECT value FROM store_meta WHERE key = ${duckString(TRAP_LIST_KEY)}`,
      );
      this.trapList = meta.getRowObjectsJS()[0]?.value as string | undefined;
    }).catch((error) => {
      this.cohortTables = undefined; // try again next time
      throw error;
    });
    return this.cohortTables;
  }

  async computeCohortDay(spec: CohortDaySpec): Promise<void> {
    await this.cohortsReady();
    const traps = spec.traps?.fingerprint === this.trapList ? spec.traps : undefined;
    const [rows, trapRows] = await Promise.all([
      this.read(renderCohortDay(duckCohortDialect, spec, 'events')),
      traps && this.aggregate(trapDaysQuery(traps, spec.day, spec.day + 86400)),
    ]);
    const day = numberLiteral(spec.day);
    await this.serialized(async () => {
      const file = join(this.tmpDir, `cohorts-${process.pid}-${++this.loads}.ndjson`);
      try {
        await this.transaction(async () => {
          await this.writer.run(`DELETE FROM cohort_days WHERE day = ${day}`);
          // Only while the table still holds this list's counts (a recount may have come between).
          if (trapRows && traps?.fingerprint === this.trapList) {
            await this.writer.run(`DELETE FROM trap_days WHERE day = ${day}`);
            for (const insert of insertTrapDays(trapRows)) await this.writer.run(insert);
          }
          if (rows.length) {
            const records = rows.map((r) => ({ ...numbers(r), day: spec.day }));
            writeFileSync(file, recordsToNdjson(records));
            await this.load('cohort_days', COHORT_COLUMNS, file);
          }
          await this.writer.run(
            `INSERT OR REPLACE INTO cohort_state VALUES (${day}, ${numberLiteral(spec.until)}, ${spec.final})`,
          );
        });
      } finally {
        rmSync(file, { force: true });
      }
    });
  }

  async cohortDays(): Promise<CohortDayState[]> {
    await this.cohortsReady();
    const rows = await this.read('SELECT day, until, final FROM cohort_state ORDER BY day');
    return rows.map((r) => ({ day: toNumber(r.day), until: toNumber(r.until), final: r.final === true }));
  }

  async cohortAggregate(query: CohortQuery): Promise<CohortRow[]> {
    await this.cohortsReady();
    const { sql, measures } = duckCohortAggregate(query);
    return toCohortRows(query, measures, await this.read(sql));
  }

  async countTrapDays(traps: TrapCounting): Promise<void> {
    await this.cohortsReady();
    if (traps.fingerprint === this.trapList) return;
    const rows = await this.aggregate(trapDaysQuery(traps, 0, 2 ** 32 - 1));
    await this.serialized(() =>
      this.transaction(async () => {
        await this.writer.run('DELETE FROM trap_days');
        for (const insert of insertTrapDays(rows)) await this.writer.run(insert);
        await this.writer.run(
          `INSERT OR REPLACE INTO store_meta VALUES (${duckString(TRAP_LIST_KEY)}, ${duckString(traps.fingerprint)})`,
        );
        this.trapList = traps.fingerprint;
      }),
    );
  }

  async trapAggregate(query: CohortQuery, fingerprint: string): Promise<AggregateRow[] | undefined> {
    await this.cohortsReady();
    if (fingerprint !== this.trapList) return undefined;
    return toTrapRows(query, await this.read(trapAggregateSql(query)));
  }

  async dropCohortDaysBefore(day: number): Promise<void> {
    await this.cohortsReady();
    await this.serialized(async () => {
      await this.writer.run(`DELETE FROM trap_days WHERE day < ${numberLiteral(day)}`);
      await this.writer.run(`DELETE FROM cohort_days WHERE day < ${numberLiteral(day)}`);
      await this.writer.run(`DELETE FROM cohort_state WHERE day < ${numberLiteral(day)}`);
    });
  }

  /** Runs `work` on the writer inside one transaction (call it from inside `serialized`). */
  private transaction(work: () => Promise<void>): Promise<void> {
    return inTransaction(this.writer, work);
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.writeChain.then(work);
    this.writeChain = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    await this.writeChain;
    await this.writer.run('CHECKPOINT').catch(() => undefined);
    this.staging.close();
    this.writer.closeSync();
    this.instance.closeSync();
  }
}

/** A result row with 64-bit counts as numbers, ready for JSON. */
function numbers(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row))
    out[key] = typeof value === 'bigint' ? Number(value) : value;
  return out;
}
