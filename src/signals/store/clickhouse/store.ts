// The scale-out engine: a ClickHouse server (CI runs Debian's 18.16) reached over HTTP with
// @clickhouse/client. Writes are serialized (one insert in flight keeps the part count low) and sent
// as JSONEachRow; reads render SQL within the 18.16 subset (no parameters, no window functions, no
// CTE subqueries, no DateTime64). Searches run in two steps: keys of the matching page first (from a
// search view when the query names recipients or message ids), then the full rows by primary key,
// because 18.16 reads every selected column of every candidate row before it sorts.
import { randomInt } from 'node:crypto';
import { Readable } from 'node:stream';
import { type ClickHouseClient, createClient } from '@clickhouse/client';
import { planAggregate, runAggregate } from '../aggregate-plan.js';
import { renderCohortDay } from '../cohort-sql.js';
import type { CohortDaySpec, CohortDayState, CohortQuery, CohortRow } from '../cohorts.js';
import { COLUMN_NAMES, type SerializedEvents, type StoredEvent, serializeEvents } from '../columns.js';
import { batchWhere, keysetAfter } from '../paging.js';
import type { AggregateQuery, AggregateRow, Condition, SearchQuery } from '../query.js';
import { and } from '../query.js';
import { recordsToNdjson, rowToBatch, rowToEvent, rowToFailure, toCohortRows, toNumber } from '../rows.js';
import { numberLiteral, renderCondition } from '../sql.js';
import type { TrapCounting } from '../trap-days.js';
import type {
  BatchQuery,
  BatchRecord,
  EventStore,
  FailedEvent,
  IngestWrite,
  StagedEvents,
  StageFill,
} from '../types.js';
import { COHORT_ROW_COLUMNS, chCohortAggregate, chCohortDialect, cohortSchemaStatements } from './cohorts.js';
import { chDialect, chIdent, chString } from './dialect.js';
import { EVENT_KEY, SEARCH_VIEWS, schemaStatements } from './schema.js';

export interface ClickHouseStoreOptions {
  url: string;
  database: string;
  username?: string;
  password?: string;
}

const column = (name: string) => name;
let writers = 0;
// An alias named `ts` would shadow the column in WHERE (ClickHouse resolves aliases there too).
const EVENT_SELECT = COLUMN_NAMES.map((c) => (c === 'ts' ? 'toUInt32(ts) AS ts_unix' : c)).join(', ');
type Row = Record<string, unknown>;
const toEvent = (row: Row) => rowToEvent({ ...row, ts: row.ts_unix });

export class ClickHouseStore implements EventStore {
  readonly engine = 'clickhouse' as const;
  private writeChain: Promise<unknown> = Promise.resolve();
  private cohortTables: Promise<void> | undefined;
  private lastMs = 0;
  /** This store's version suffix (0-999), distinct among the stores of one process. */
  private readonly writer = (randomInt(1000) + ++writers) % 1000;

  private constructor(
    private readonly client: ClickHouseClient,
    private readonly db: string,
  ) {}

  static async open(options: ClickHouseStoreOptions): Promise<ClickHouseStore> {
    const client = createClient({
      url: options.url,
      username: options.username ?? 'default',
      password: options.password ?? '',
      request_timeout: 300_000,
      // Keeps long reports from looking idle to proxies; 18.16 knows both settings.
      clickhouse_settings: { send_progress_in_http_headers: 1, http_headers_progress_interval_ms: '10000' },
    });
    for (const sql of schemaStatements(options.database)) await client.command({ query: sql });
    return new ClickHouseStore(client, chIdent(options.database));
  }

  private table(name: string): string {
    return `${this.db}.${chIdent(name)}`;
  }

  /** Staged events are their JSONEachRow text (V8 joins strings without copying them). */
  async stage(fill: StageFill, onto?: StagedEvents): Promise<StagedEvents> {
    const staged: SerializedEvents = { ndjson: '', count: 0, ...(onto as SerializedEvents | undefined) };
    await fill((events) => {
      const slice = serializeEvents(events);
      staged.ndjson += slice.ndjson;
      staged.count += slice.count;
    });
    return staged;
  }

  ingest(write: IngestWrite): Promise<void> {
    return this.serialized(async () => {
      // Events first, then the batch records that say they arrived: after a crash in between, the
      // batch is replayed and its events are recognised as duplicates by event_id.
      const ndjson = [...(write.staged ?? []), serializeEvents(write.events)]
        .map((s) => (s as SerializedEvents).ndjson)
        .join('');
      if (ndjson) await this.insert('events', ndjson);
      if (write.failures.length) await this.insert('batch_failures', recordsToNdjson(write.failures));
      if (write.batches.length) await this.insert('batches', recordsToNdjson(write.batches));
    });
  }

  private async insert(table: string, ndjson: string): Promise<void> {
    const result = await this.client.exec({
      query: `INSERT INTO ${this.table(table)} FORMAT JSONEachRow`,
      values: Readable.from([Buffer.from(ndjson)]),
    });
    result.stream.resume();
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.writeChain.then(work);
    this.writeChain = run.catch(() => undefined);
    return run;
  }

  private async read(sql: string): Promise<Row[]> {
    const result = await this.client.query({ query: sql, format: 'JSONEachRow' });
    return (await result.json()) as Row[];
  }

  private where(c: Condition): string {
    return renderCondition(chDialect, c, column);
  }

  async search(query: SearchQuery): Promise<StoredEvent[]> {
    const condition = and(query.where, keysetAfter(query.after));
    const order = `ORDER BY ts DESC, event_id DESC LIMIT ${numberLiteral(query.limit)}`;
    const keys = EVENT_KEY.join(', ');
    const view = pointLookup(condition);
    const source = view
      ? `${this.table('events')} WHERE (${keys}) IN (SELECT ${keys} FROM ${this.table(view.name)} WHERE ${this.where(view.condition)}) AND`
      : `${this.table('events')} WHERE`;
    const page = await this.read(`SELECT ${keys} FROM ${source} ${this.where(condition)} ${order}`);
    if (page.length === 0) return [];
    const tuples = page.map(
      (r) =>
        `('${String(r.type)}', ${chString(String(r.campaign_id))}, toDateTime(${chString(String(r.ts))}, 'UTC'), ${chString(String(r.event_id))})`,
    );
    const rows = await this.read(
      `SELECT ${EVENT_SELECT} FROM ${this.table('events')} WHERE (${keys}) IN (${tuples.join(', ')}) ${order}`,
    );
    return rows.map(toEvent);
  }

  async count(where: Condition): Promise<number> {
    const view = pointLookup(where);
    const keys = EVENT_KEY.join(', ');
    const narrowed = view
      ? `(${keys}) IN (SELECT ${keys} FROM ${this.table(view.name)} WHERE ${this.where(view.condition)}) AND `
      : '';
    const rows = await this.read(
      `SELECT count() AS n FROM ${this.table('events')} WHERE ${narrowed}${this.where(where)}`,
    );
    return toNumber(rows[0]?.n);
  }

  aggregate(query: AggregateQuery): Promise<AggregateRow[]> {
    return runAggregate(planAggregate(chDialect, query, this.table('events'), column), query, (sql) =>
      this.read(sql),
    );
  }

  async eventsByMessageIds(messageIds: readonly string[], where?: Condition): Promise<StoredEvent[]> {
    if (messageIds.length === 0) return [];
    const condition = and({ column: 'message_id', in: messageIds }, where);
    const keys = EVENT_KEY.join(', ');
    const view = pointLookup(condition)!;
    const rows = await this.read(
      `SELECT ${EVENT_SELECT} FROM ${this.table('events')} WHERE (${keys}) IN (SELECT ${keys} FROM ${this.table(view.name)} WHERE ${this.where(view.condition)}) AND ${this.where(condition)} ORDER BY ts, event_id`,
    );
    return rows.map(toEvent);
  }

  async *eventIdsSince(since: number): AsyncIterable<string[]> {
    const result = await this.client.query({
      query: `SELECT event_id FROM ${this.table('events')} WHERE ts >= toDateTime(${numberLiteral(since)})`,
      format: 'JSONEachRow',
    });
    for await (const rows of result.stream()) {
      yield rows.map((row: { json(): unknown }) => String((row.json() as Row).event_id));
    }
  }

  async batches(query: BatchQuery): Promise<BatchRecord[]> {
    const rows = await this.read(
      `SELECT * FROM ${this.table('batches')} WHERE ${batchWhere(chDialect, query)} ORDER BY received_at DESC, batch_id DESC LIMIT ${numberLiteral(query.limit)}`,
    );
    return rows.map(rowToBatch);
  }

  async countBatches(query: BatchQuery): Promise<number> {
    const rows = await this.read(
      `SELECT count() AS n FROM ${this.table('batches')} WHERE ${batchWhere(chDialect, query)}`,
    );
    return toNumber(rows[0]?.n);
  }

  async batchByHash(contentHash: string): Promise<BatchRecord | undefined> {
    const rows = await this.read(
      `SELECT * FROM ${this.table('batches')} WHERE content_hash = ${chString(contentHash)} AND status != 'duplicate_batch' LIMIT 1`,
    );
    return rows[0] ? rowToBatch(rows[0]) : undefined;
  }

  async batchById(batchId: string): Promise<BatchRecord | undefined> {
    const rows = await this.read(
      `SELECT * FROM ${this.table('batches')} WHERE batch_id = ${chString(batchId)} LIMIT 1`,
    );
    return rows[0] ? rowToBatch(rows[0]) : undefined;
  }

  async failures(batchId: string): Promise<FailedEvent[]> {
    const rows = await this.read(
      `SELECT * FROM ${this.table('batch_failures')} WHERE batch_id = ${chString(batchId)} ORDER BY line`,
    );
    return rows.map(rowToFailure);
  }

  async dropEventDaysBefore(day: number): Promise<void> {
    const cutoff = Number(
      new Date((day - (day % 86400)) * 1000).toISOString().slice(0, 10).replaceAll('-', ''),
    );
    const tables = ['events', ...Object.values(SEARCH_VIEWS).map((v) => `.inner.${v}`)];
    const parts = await this.read(
      `SELECT DISTINCT table, partition FROM system.parts WHERE database = ${chString(this.db.slice(1, -1))} AND active AND table IN (${tables.map(chString).join(', ')})`,
    );
    await this.serialized(async () => {
      for (const part of parts) {
        if (Number(part.partition) >= cutoff) continue;
        await this.client.command({
          query: `ALTER TABLE ${this.table(String(part.table))} DROP PARTITION ${numberLiteral(Number(part.partition))}`,
        });
      }
    });
  }

  async dropBatchesBefore(ts: number): Promise<void> {
    const expired = await this.read(
      `SELECT batch_id FROM ${this.table('batches')} WHERE received_at < ${numberLiteral(ts)}`,
    );
    if (expired.length === 0) return;
    await this.serialized(async () => {
      const ids = expired.map((r) => chString(String(r.batch_id))).join(', ');
      // Mutations are asynchronous in 18.16; the rows disappear once the mutation has run.
      await this.client.command({
        query: `ALTER TABLE ${this.table('batch_failures')} DELETE WHERE batch_id IN (${ids})`,
      });
      await this.client.command({
        query: `ALTER TABLE ${this.table('batches')} DELETE WHERE batch_id IN (${ids})`,
      });
    });
  }

  private cohortsReady(): Promise<void> {
    this.cohortTables ??= (async () => {
      for (const sql of cohortSchemaStatements(this.db.slice(1, -1)))
        await this.client.command({ query: sql });
    })();
    return this.cohortTables;
  }

  async computeCohortDay(spec: CohortDaySpec): Promise<void> {
    await this.cohortsReady();
    // Versions only need to grow; the clock keeps them growing across restarts. Several Signals
    // servers may share the database and compute the same day at the same millisecond: the
    // writer's own last three digits keep their versions (and so their partitions) apart.
    const ms = Math.max(Date.now(), this.lastMs + 1);
    this.lastMs = ms;
    const version = ms * 1000 + this.writer;
    const day = numberLiteral(spec.day);
    const columns = COHORT_ROW_COLUMNS.join(', ');
    await this.serialized(async () => {
      await this.client.command({
        query: `INSERT INTO ${this.table('cohort_days')} (day, version, ${columns}) SELECT ${day}, ${version}, ${columns} FROM (${renderCohortDay(chCohortDialect, spec, this.table('events'))})`,
      });
      await this.insert(
        'cohort_state',
        recordsToNdjson([{ day: spec.day, version, until: spec.until, final: spec.final }]),
      );
      // Partitions read "(day,version)" in system.parts.
      const parts = await this.read(
        `SELECT DISTINCT partition FROM system.parts WHERE database = ${chString(this.db.slice(1, -1))} AND table = 'cohort_days' AND active AND partition LIKE ${chString(`(${spec.day},%`)}`,
      );
      for (const part of parts) {
        const old = Number(/,(\d+)\)$/.exec(String(part.partition))?.[1]);
        if (!(old < version)) continue;
        await this.client.command({
          query: `ALTER TABLE ${this.table('cohort_days')} DROP PARTITION (${day}, ${numberLiteral(old)})`,
        });
      }
    });
  }

  async cohortDays(): Promise<CohortDayState[]> {
    await this.cohortsReady();
    const rows = await this.read(
      `SELECT day, argMax(until, version) AS until, argMax(final, version) AS final FROM ${this.table('cohort_state')} GROUP BY day ORDER BY day`,
    );
    return rows.map((r) => ({
      day: toNumber(r.day),
      until: toNumber(r.until),
      final: toNumber(r.final) === 1,
    }));
  }

  async cohortAggregate(query: CohortQuery): Promise<CohortRow[]> {
    await this.cohortsReady();
    const { sql, measures } = chCohortAggregate(this.db, query);
    return toCohortRows(query, measures, await this.read(sql));
  }

  // Spam-trap hits are not precomputed here (no table yet): the reports count them from the
  // events at request time, as they did before the DuckDB table existed.
  async countTrapDays(_traps: TrapCounting): Promise<void> {}

  async trapAggregate(_query: CohortQuery, _fingerprint: string): Promise<AggregateRow[] | undefined> {
    return undefined;
  }

  async dropCohortDaysBefore(day: number): Promise<void> {
    await this.cohortsReady();
    const days = await this.read(
      `SELECT day, version FROM ${this.table('cohort_state')} WHERE day < ${numberLiteral(day)}`,
    );
    if (days.length === 0) return;
    await this.serialized(async () => {
      for (const row of days) {
        await this.client.command({
          query: `ALTER TABLE ${this.table('cohort_days')} DROP PARTITION (${numberLiteral(toNumber(row.day))}, ${numberLiteral(toNumber(row.version))})`,
        });
      }
      await this.client.command({
        query: `ALTER TABLE ${this.table('cohort_state')} DELETE WHERE day < ${numberLiteral(day)}`,
      });
      // The delete is an asynchronous mutation in 18.16: wait (briefly) until the days are gone, so
      // cohortDays() never lists a day whose rows were dropped.
      for (let i = 0; i < 100; i++) {
        const left = await this.read(
          `SELECT count() AS n FROM ${this.table('cohort_state')} WHERE day < ${numberLiteral(day)}`,
        );
        if (toNumber(left[0]?.n) === 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    });
  }

  async close(): Promise<void> {
    await this.writeChain;
    await this.client.close();
  }
}

/** The search view that can narrow this condition: a top-level recipient or message-id list. */
function pointLookup(condition: Condition): { name: string; condition: Condition } | undefined {
  const items = 'all' in condition ? condition.all : [condition];
  for (const item of items) {
    if (!('column' in item) || !('in' in item)) continue;
    if (item.column !== 'rcpt_to' && item.column !== 'message_id') continue;
    const times = items.filter((c) => 'column' in c && c.column === 'ts' && 'cmp' in c);
    return { name: SEARCH_VIEWS[item.column], condition: and(item, ...times) };
  }
  return undefined;
}
