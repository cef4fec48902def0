// The Signals reports (reference sparkpost-api.md §6.2-6.5) against a seeded history with
// hand-counted answers, on both engines: cohort sizes and rates, spam-trap hits, the health score
// with its components, facets, filters, paging and the subaccount boundary.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { eachEngine } from './engines.js';
import { DAY } from './fixtures.js';
import { getJson, INGEST_KEY, SUB5_KEY, VIEW_KEY } from './server.js';
import { type ReportRow as Row, settled } from './settled.js';
import { D, EXPECTED_ALPHA, seededSignals } from './signals-seed.js';

const day = (s: number) => new Date(s * 1000).toISOString().slice(0, 10);
const RANGE = `from=${day(D - 7 * DAY)}&to=${day(D)}`;

const byKey = (rows: Row[], key: string) => Object.fromEntries(rows.map((r) => [String(r[key]), r]));

eachEngine((ctx) => {
  it('classifies day D sends into cohorts and rates each cohort', async (t) => {
    const { server } = await seededSignals(t, ctx.engine, { clickhouseUrl: ctx.clickhouseUrl });
    const url = server.address.url;
    const alpha = (rows: Row[]) => byKey(rows, 'campaign_id').alpha;
    const sizes = await settled(
      url,
      `/api/v1/signals/cohort-engagement/campaign_id?${RANGE}`,
      (rows) => alpha(rows)?.current_c_14d === 300 && alpha(rows)?.history[6]?.c_total === 300,
    );
    const row = alpha(sizes)!;
    const e = EXPECTED_ALPHA;
    assert.deepEqual(
      [row.current_c_new, row.current_c_14d, row.current_c_90d, row.current_c_365d, row.current_c_uneng],
      [e.cohorts.new, e.cohorts['14d'], e.cohorts['90d'], e.cohorts['365d'], e.cohorts.uneng],
    );
    assert.equal(row.current_relative_c_14d, 300 / 1100);
    assert.equal(row.history.length, 8, 'one entry per day of the range');
    assert.deepEqual(row.history[6], {
      dt: day(D - DAY),
      c_total: 300,
      c_new: 300,
      c_14d: 0,
      c_90d: 0,
      c_365d: 0,
      c_uneng: 0,
      relative_c_14d: 0,
    });
    assert.equal(row.WoW, null, 'no sends a week before');
    assert.equal(byKey(sizes, 'campaign_id').beta?.current_c_new, 20);

    const eng = alpha(await settled(url, `/api/v1/signals/eng-cohort/campaign?${RANGE}`, (r) => !!alpha(r)))!;
    assert.equal(eng.current_c_14d_eng, 110);
    assert.equal(eng.current_p_14d_eng, 110 / 300);
    assert.equal(eng.current_c_total_eng, 110);
    assert.equal(eng.current_p_total_eng, 110 / 1100);
    assert.equal(eng.current_c_uneng_eng, 0);
    const unsub = alpha(
      await settled(url, `/api/v1/signals/unsub-cohort/campaign?${RANGE}`, (r) => !!alpha(r)),
    )!;
    assert.equal(unsub.current_c_14d_unsub, 3);
    assert.equal(unsub.current_p_14d_unsub, 3 / 300);
    const fbl = alpha(await settled(url, `/api/v1/signals/fbl-cohort/campaign?${RANGE}`, (r) => !!alpha(r)))!;
    assert.equal(fbl.current_c_uneng_fbl, 5);
    assert.equal(fbl.current_p_uneng_fbl, 5 / 200);
  });

  it('counts spam-trap hits by kind and scores health from its documented components', async (t) => {
    const { server } = await seededSignals(t, ctx.engine, { clickhouseUrl: ctx.clickhouseUrl });
    const url = server.address.url;
    const alpha = (rows: Row[]) => byKey(rows, 'ip_pool')['pool-a'];
    const traps = alpha(
      await settled(
        url,
        `/api/v1/signals/spam-hits/ip-pool?${RANGE}`,
        (r) => alpha(r)?.current_injections === 1100,
      ),
    )!;
    assert.equal(traps.current_trap_hits, 3);
    assert.equal(traps.current_relative_trap_hits, 3 / 1100);
    const last = traps.history[7]!;
    assert.deepEqual(
      [last.trap_hits_recycled, last.trap_hits_typo, last.trap_hits_parked, last.perc_trap_hits_typo],
      [1, 1, 1, 1 / 3],
    );

    const health = alpha(
      await settled(
        url,
        `/api/v1/signals/health-score/ip_pool?${RANGE}`,
        // Settled once D-3 and D-1, the engagement history, are in the rollup too.
        (r) =>
          !!alpha(r) && rateOf(alpha(r)!, 'Historical Engagement').toFixed(10) === (300 / 700).toFixed(10),
      ),
    )!;
    const e = EXPECTED_ALPHA;
    const rates: Record<string, number> = {
      'Hard Bounces': e.hard / 1100,
      'Block Bounces': e.block / 1100,
      'Other bounces': 0,
      'Transient Failures': e.delayed / 1100,
      Complaints: 5 / 1100,
      Unsubscribes: 3 / 1100,
      'Spam Trap Hits': 2 / 1100, // parked traps are listed but not scored
      'Suppression Hits': e.suppressed / 1100,
      'List Quality': e.role / 1100,
      'eng cohorts: unengaged': 200 / 1100,
      'eng cohorts: new, 14-day': 750 / 1100,
      'Historical Engagement': 300 / 700,
    };
    for (const [type, rate] of Object.entries(rates))
      assert.equal(rateOf(health, type).toFixed(10), rate.toFixed(10), type);
    // docs/health-score.md, by hand: each problem loses weight x min(1, rate / saturation).
    const lost =
      0.15 * (30 / 1100 / 0.05) +
      0.15 * (11 / 1100 / 0.05) +
      0.05 * (40 / 1100 / 0.2) +
      0.2 * (5 / 1100 / 0.005) +
      0.05 * (3 / 1100 / 0.02) +
      0.15 * 1 + // 2 trap hits in 1100 sends is past the 0.1% saturation
      0.1 * (10 / 1100 / 0.02) +
      0.05 * (5 / 1100 / 0.02) +
      0.15 * (200 / 1100 / 0.5) +
      0; // engaged share 68% and history 43% are above their targets
    assert.equal(Number(health.current_health_score).toFixed(6), (1 - lost).toFixed(6));
    const components = health.current_weights as Array<{ weight: string }>;
    const total = components.reduce((s, w) => s + Number(w.weight), 0);
    assert.equal((1 + total).toFixed(6), (1 - lost).toFixed(6), 'the weights add up to the score');
    assert.equal(health.history[6]!.health_score, null, 'D-1 had 300 sends, under the 1000 minimum');

    const all = await getJson(url, `/api/v1/signals/health-score?${RANGE}`, VIEW_KEY);
    const sids = (all.body.results as { data: Row[] }).data.map((r) => r.sid);
    assert.deepEqual(sids, [-1, 0, 5], 'all subaccounts first, then each');
  });

  it('filters, orders, pages, and keeps a subaccount key to its own subaccount', async (t) => {
    const { server } = await seededSignals(t, ctx.engine, { clickhouseUrl: ctx.clickhouseUrl });
    const url = server.address.url;
    const path = `/api/v1/signals/cohort-engagement/campaign?${RANGE}`;
    const rows = await settled(url, path, (r) => r.length === 3);
    assert.deepEqual(
      rows.map((r) => r.campaign_id),
      ['alpha', 'beta', 'gamma'],
      'most sends first',
    );
    const asc = await getJson(url, `${path}&order=asc&order_by=c_total&limit=1&offset=1`, VIEW_KEY);
    const ascResults = asc.body.results as { total_count: number; data: Row[] };
    assert.equal(ascResults.total_count, 3);
    assert.deepEqual(
      ascResults.data.map((r) => r.campaign_id),
      ['beta'],
    );
    const filtered = await getJson(url, `${path}&filter=ET&ip_pools=pool-b`, VIEW_KEY);
    assert.deepEqual(
      (filtered.body.results as { data: Row[] }).data.map((r) => r.campaign_id),
      ['beta'],
    );
    const own = await getJson(url, path, SUB5_KEY);
    assert.deepEqual(
      (own.body.results as { data: Row[] }).data.map((r) => r.campaign_id),
      ['gamma'],
    );
    const header = await getJson(url, path, VIEW_KEY, { 'x-msys-subaccount': '5' });
    assert.deepEqual(
      (header.body.results as { data: Row[] }).data.map((r) => r.campaign_id),
      ['gamma'],
    );
    const forbidden = await getJson(url, `${path}&subaccounts=0`, SUB5_KEY);
    assert.deepEqual((forbidden.body.results as { data: Row[] }).data, []);
  });

  it('refuses bad requests with SparkPost errors', async (t) => {
    const { server } = await seededSignals(t, ctx.engine, { clickhouseUrl: ctx.clickhouseUrl });
    const url = server.address.url;
    const base = '/api/v1/signals/health-score';
    const cases: Array<[string, string, number, RegExp]> = [
      [`${base}/campaign`, INGEST_KEY, 403, /signals\/view/],
      [`${base}/nope`, VIEW_KEY, 400, /facet must be one of/],
      [`${base}/campaign?from=2026-02-30`, VIEW_KEY, 400, /from must be a date/],
      [`${base}/campaign?from=2026-11-20&to=2026-11-01`, VIEW_KEY, 400, /not be after/],
      [`${base}/campaign?order_by=bogus`, VIEW_KEY, 400, /order_by must be one of/],
      [`${base}/campaign?limit=0`, VIEW_KEY, 400, /limit/],
      [`${base}/campaign?color=red`, VIEW_KEY, 400, /unknown parameter color/],
      [`${base}?filter=abc`, VIEW_KEY, 400, /subaccount id/],
    ];
    for (const [path, key, status, message] of cases) {
      const response = await getJson(url, path, key);
      assert.equal(response.status, status, path);
      assert.match(JSON.stringify(response.body.errors), message, path);
    }
    const anonymous = await fetch(`${url}${base}`);
    assert.equal(anonymous.status, 401);
  });
});

function rateOf(row: Row, type: string): number {
  const weights = row.current_weights as Array<{ weight_type: string; weight_value: string }>;
  return Number(weights.find((w) => w.weight_type === type)?.weight_value ?? Number.NaN);
}
