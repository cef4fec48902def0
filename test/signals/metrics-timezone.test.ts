// Time zones in the Metrics API (reference sparkpost-api.md §3: `timezone`; window bounds and
// sub-day buckets in local time, day buckets in UTC): deliveries around the night New York moved
// its clocks forward (2026-03-08, 02:00 EST became 03:00 EDT).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { eachEngine } from './engines.js';
import { gzipLines, ingestLine } from './fixtures.js';
import { getJson, startSignals, upload } from './server.js';

const NOW = Date.UTC(2026, 2, 8, 16, 0) / 1000;
const DELIVERED = [
  Date.UTC(2026, 2, 8, 4, 30) / 1000, // 23:30 EST on the 7th
  Date.UTC(2026, 2, 8, 6, 30) / 1000, // 01:30 EST on the 8th
  Date.UTC(2026, 2, 8, 8, 30) / 1000, // 04:30 EDT on the 8th
];
const ZONE = 'timezone=America/New_York';

type Row = { ts: string; count_delivered: number };
const nonZero = (body: Record<string, unknown>) =>
  (body.results as Row[]).filter((r) => r.count_delivered > 0).map((r) => [r.ts, r.count_delivered]);

eachEngine((ctx) => {
  it('buckets and bounds metrics in the asked time zone, across a DST change', async (t) => {
    const server = await startSignals(t, ctx.engine, {
      clickhouseUrl: ctx.clickhouseUrl,
      now: () => NOW * 1000,
    });
    const lines = DELIVERED.map((ts) => ingestLine({ timestamp: String(ts), campaign_id: 'dst' }));
    assert.equal((await upload(server.address.url, gzipLines(lines))).status, 200);
    await server.pipeline!.drain();
    const url = server.address.url;
    const series = (zone: string, precision: string) =>
      getJson(
        url,
        `/api/v1/metrics/deliverability/time-series?from=2026-03-07T00:00&to=2026-03-09T00:00&${zone}&precision=${precision}&metrics=count_delivered`,
      );

    // Day buckets stay UTC whatever the zone, as SparkPost's are (reference §3, precision).
    for (const zone of [ZONE, 'timezone=UTC']) {
      const days = await series(zone, 'day');
      assert.equal(days.status, 200, JSON.stringify(days.body));
      assert.deepEqual(nonZero(days.body), [['2026-03-08T00:00:00+00:00', 3]]);
    }
    const hours = await series(ZONE, 'hour');
    assert.deepEqual(nonZero(hours.body), [
      ['2026-03-07T23:00:00-05:00', 1],
      ['2026-03-08T01:00:00-05:00', 1],
      ['2026-03-08T04:00:00-04:00', 1],
    ]);
    const stamps = (hours.body.results as Row[]).map((r) => r.ts);
    const at = stamps.indexOf('2026-03-08T01:00:00-05:00');
    assert.equal(stamps[at + 1], '2026-03-08T03:00:00-04:00', 'the hour that did not exist is skipped');

    // Window bounds are local times too: midnight in New York is 05:00 UTC.
    const total = (zone: string) =>
      getJson(
        url,
        `/api/v1/metrics/deliverability?from=2026-03-08T00:00&to=2026-03-09T00:00&${zone}&metrics=count_delivered`,
      );
    assert.deepEqual((await total(ZONE)).body.results, [{ count_delivered: 2 }]);
    assert.deepEqual((await total('timezone=UTC')).body.results, [{ count_delivered: 3 }]);
  });
});
