// Opens the engine the configuration names.
import { join } from 'node:path';
import type { Logger } from '../../logging.js';
import { ClickHouseStore } from './clickhouse/store.js';
import { DuckDbStore } from './duckdb/store.js';
import type { EngineName, EventStore } from './types.js';

export interface StoreSettings {
  engine: EngineName;
  /** Directory of the embedded store (DuckDB file and its temporary load files). */
  dataPath: string;
  clickhouse?: { url: string; database: string; username?: string; password?: string };
  duckdbThreads?: number;
}

/** `log` hears of slow one-off work when a store opens (a DuckDB schema migration). */
export async function openStore(settings: StoreSettings, log?: Logger): Promise<EventStore> {
  if (settings.engine === 'clickhouse') {
    if (!settings.clickhouse)
      throw new Error('the clickhouse store needs clickhouse-url and clickhouse-database');
    return ClickHouseStore.open(settings.clickhouse);
  }
  return DuckDbStore.open({
    path: join(settings.dataPath, 'events.duckdb'),
    tmpDir: join(settings.dataPath, 'load'),
    threads: settings.duckdbThreads,
    log,
  });
}
