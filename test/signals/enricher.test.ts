// The enricher's injection cache: recent injections are served from memory, older ones (evicted
// once the cache is full) from the store, and either way the engagement event inherits them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Enricher } from '../../src/signals/enrich/enricher.js';
import { MxProviderCache } from '../../src/signals/enrich/mx-cache.js';
import type { StoredEvent } from '../../src/signals/store/columns.js';

const injection = (n: number): StoredEvent => ({
  ts: 1000 + n,
  type: 'injection',
  event_id: `i${n}`,
  customer_id: 1,
  subaccount_id: 0,
  message_id: `m${n}`,
  campaign_id: `campaign-${n}`,
  ip_pool: 'pool',
});

const open = (n: number): StoredEvent => ({
  ts: 5000 + n,
  type: 'open',
  event_id: `o${n}`,
  customer_id: 1,
  subaccount_id: 0,
  message_id: `m${n}`,
});

test('serves recent injections from memory and evicted ones from the store', async () => {
  const stored = Array.from({ length: 100 }, (_, n) => injection(n));
  const asked: string[][] = [];
  const enricher = new Enricher({
    mx: new MxProviderCache({ resolve: async () => [] }),
    store: {
      eventsByMessageIds: async (ids) => {
        asked.push([...ids]);
        return stored.filter((e) => ids.includes(e.message_id!));
      },
    },
    cacheSize: 10,
  });
  await enricher.enrich(stored);
  const recent = open(99);
  const old = open(0);
  await enricher.enrich([recent, old]);
  assert.deepEqual(asked, [['m0']], 'only the evicted injection is looked up');
  assert.equal(recent.campaign_id, 'campaign-99');
  assert.equal(recent.injection_time, 1099);
  assert.equal(old.campaign_id, 'campaign-0');
  assert.equal(old.ip_pool, 'pool');
});
