import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { DuckDbStore } from '../../src/signals/store/duckdb/store.js';
import { storeSuite } from './store.suite.js';
import { cohortSuite } from './store-cohorts.suite.js';
import { rollupSuite } from './store-rollup.suite.js';

const root = mkdtempSync(join(tmpdir(), 'outpost-duck-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

const open = async () => {
  const dir = join(root, String(++n));
  // Rollup compaction after every 1000 events and a key check on every write, so the suites'
  // small writes go through both.
  return DuckDbStore.open({
    path: join(dir, 'events.duckdb'),
    tmpDir: join(dir, 'tmp'),
    threads: 2,
    rollup: { compactAfter: 1000, checkKeysEvery: 0 },
  });
};
storeSuite('duckdb', open);
cohortSuite('duckdb', open);
rollupSuite('duckdb', open);
