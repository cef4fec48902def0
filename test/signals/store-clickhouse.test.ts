import { after, before } from 'node:test';
import { ClickHouseStore } from '../../src/signals/store/clickhouse/store.js';
import { type ClickHouseServer, startClickHouse } from '../helpers/clickhouse.js';
import { storeSuite } from './store.suite.js';
import { cohortSuite } from './store-cohorts.suite.js';
import { recipientSuite } from './store-recipients.suite.js';
import { rollupSuite } from './store-rollup.suite.js';

let server: ClickHouseServer;
before(async () => {
  server = await startClickHouse();
});
after(() => server?.stop());
let n = 0;

// Each test gets its own database on the one server this file starts.
const open = () => ClickHouseStore.open({ url: server.url, database: `test_${process.pid}_${++n}` });
storeSuite('clickhouse', open);
cohortSuite('clickhouse', open);
rollupSuite('clickhouse', open);
recipientSuite('clickhouse', open);
