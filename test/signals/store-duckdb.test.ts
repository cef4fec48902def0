import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { DuckDbStore } from '../../src/signals/store/duckdb/store.js';
import { storeSuite } from './store.suite.js';
import { cohortSuite } from './store-cohorts.suite.js';
import { recipientSuite } from './store-recipients.suite.js';
import { rollupSuite } from './store-rollup.suite.js';

const root = mkdtempSync(join(tmpdir(), 'outpost-duck-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

const open = async () => {
  const dir = join(root, String(++n));
  // Rollup compaction after every 1000 events, a key check on every write and a recipient-key
  // merge after every 500 events, so the suites' small writes go through all three.
  return DuckDbStore.open({
    path: join(dir, 'events.duckdb'),
    tmpDir: join(dir, 'tmp'),
    threads: 2,
    rollup: { compactAfter: 1000, checkKeysEvery: 0 },
    recipientKeys: { mergeAfter: 500 },
  });
};
storeSuite('duckdb', open);
cohortSuite('duckdb', open);
rollupSuite('duckdb', open);
recipientSuite('duckdb', open);
