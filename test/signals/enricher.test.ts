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

/** An enricher over a store holding `stored`; every lookup's ids are pushed to `asked`. */
function enricherOver(
  stored: StoredEvent[],
  asked: string[][],
  options: { cacheSize?: number; now?: () => number } = {},
): Enricher {
  return new Enricher({
    mx: new MxProviderCache({ resolve: async () => [] }),
    store: {
      eventsByMessageIds: async (ids) => {
        asked.push([...ids]);
        return stored.filter((e) => ids.includes(e.message_id!));
      },
    },
    ...options,
  });
}

test('serves recent injections from memory and evicted ones from the store', async () => {
  const stored = Array.from({ length: 100 }, (_, n) => injection(n));
  const asked: string[][] = [];
  const enricher = enricherOver(stored, asked, { cacheSize: 10 });
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

test('asks the store once a minute for a message whose injection it does not hold', async () => {
  const asked: string[][] = [];
  let now = 0;
  const stored: StoredEvent[] = [];
  const enricher = enricherOver(stored, asked, { now: () => now });
  await enricher.enrich([open(1)]);
  await enricher.enrich([open(1)]);
  assert.deepEqual(asked, [['m1']], 'a miss is remembered');
  // Stored meanwhile by another server sharing the store: found once the miss has expired.
  stored.push(injection(1));
  now += 61_000;
  const later = open(1);
  await enricher.enrich([later]);
  assert.deepEqual(asked, [['m1'], ['m1']]);
  assert.equal(later.campaign_id, 'campaign-1');
  // An injection ingested here is used at once, whatever was missed before.
  await enricher.enrich([open(2)]);
  await enricher.enrich([injection(2)]);
  const after = open(2);
  await enricher.enrich([after]);
  assert.equal(after.campaign_id, 'campaign-2');
  assert.equal(asked.length, 3);
});

test('a batch asks the store once: lookUp of the missing ids, then enrich, gives what enrich alone gives', async () => {
  const stored = Array.from({ length: 30 }, (_, n) => injection(n));
  const asked: string[][] = [];
  const make = () => enricherOver(stored, asked, { cacheSize: 10 });
  // Slices as the pipeline cuts a batch: opens of stored and unknown messages, and messages
  // injected in the batch itself (their opens are not looked up).
  const slices = () => [
    [open(1), open(2), open(40), injection(43)],
    [injection(41), open(41), open(3), open(43)],
    [open(1), open(29), open(42)],
  ];
  const alone = make();
  const expected = slices();
  for (const slice of expected) await alone.enrich(slice);
  assert.equal(asked.length, 3, 'one lookup per slice');

  asked.length = 0;
  const batched = make();
  const got = slices();
  const missing = new Set<string>();
  const injected = new Set<string>();
  for (const slice of got) {
    for (const id of batched.missing(slice, injected)) missing.add(id);
    for (const e of slice) if (e.type === 'injection') injected.add(e.message_id!);
  }
  await batched.lookUp([...missing]);
  for (const slice of got) await batched.enrich(slice);
  assert.deepEqual(asked, [['m1', 'm2', 'm40', 'm3', 'm29', 'm42']], 'one lookup for the batch');
  assert.deepEqual(got, expected);
  assert.equal(got[0]![0]!.campaign_id, 'campaign-1');
  assert.equal(got[1]![1]!.campaign_id, 'campaign-41', 'from the injection in the batch');
  assert.equal(got[1]![3]!.campaign_id, 'campaign-43', 'from the injection in an earlier slice');
  assert.equal(got[0]![2]!.campaign_id, undefined, 'no injection anywhere');
});
