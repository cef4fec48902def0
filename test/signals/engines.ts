// Runs a block of tests once per store engine. The ClickHouse server is started once for the file
// (before the tests run) and each server under test gets its own database on it.
import { after, before, describe } from 'node:test';
import type { EngineName } from '../../src/signals/store/types.js';
import { type ClickHouseServer, startClickHouse } from '../helpers/clickhouse.js';

export interface EngineContext {
  engine: EngineName;
  /** Set once the file's ClickHouse server runs (read it inside tests, not at definition time). */
  readonly clickhouseUrl: string | undefined;
}

export function eachEngine(block: (ctx: EngineContext) => void): void {
  let clickhouse: ClickHouseServer | undefined;
  before(async () => {
    clickhouse = await startClickHouse();
  });
  after(() => clickhouse?.stop());
  for (const engine of ['duckdb', 'clickhouse'] as const) {
    describe(engine, () =>
      block({
        engine,
        get clickhouseUrl() {
          return clickhouse?.url;
        },
      }),
    );
  }
}
