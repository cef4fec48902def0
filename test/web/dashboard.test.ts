// The dashboard in headless Chromium against a Signals server with a known history (DuckDB): each
// page shows the numbers the APIs give, filters change the tables, the URL keeps the filters, new
// events appear without a reload, and only a key with the view grants gets in. A screenshot of
// each page goes to test-output/.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { dashboardRoutes } from '../../src/web/routes.js';
import { launchChromium } from '../helpers/chromium.js';
import { DAY, gzipLines, ingestLine } from '../signals/fixtures.js';
import { getJson, INGEST_KEY, SUB5_KEY, upload, VIEW_KEY } from '../signals/server.js';
import { settled } from '../signals/settled.js';
import { D, seededSignals } from '../signals/signals-seed.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OUTPUT = join(ROOT, 'test-output');
const day = (s: number) => new Date(s * 1000).toISOString().slice(0, 10);
const RANGE = `from=${day(D - 7 * DAY)}&to=${day(D)}`;

let assets: string;
before(() => {
  // The client as it is now, built as `npm install` builds it.
  assets = mkdtempSync(join(tmpdir(), 'outpost-web-'));
  const built = spawnSync(process.execPath, [join(ROOT, 'scripts/build-web.mjs'), '--out', assets], {
    encoding: 'utf8',
  });
  assert.equal(built.status, 0, built.stderr);
  mkdirSync(OUTPUT, { recursive: true });
});
after(() => rmSync(assets, { recursive: true, force: true }));

type Api = (path: string, key?: string) => Promise<Record<string, unknown>>;

async function signIn(page: Page, url: string, key: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** The data-value of every cell of one column, by row key. */
async function column(page: Page, table: string, col: string): Promise<Record<string, string>> {
  const cells = page.locator(`#${table} tbody tr`);
  await cells.first().waitFor();
  const out: Record<string, string> = {};
  for (const row of await cells.all()) {
    const key = (await row.getAttribute('data-key'))!;
    out[key] = (await row.locator(`td[data-col="${col}"]`).getAttribute('data-value'))!;
  }
  return out;
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(OUTPUT, `dashboard-${name}.png`), fullPage: true });
}

it('shows every page with the numbers the APIs answer', async (t) => {
  const { server } = await seededSignals(t, 'duckdb', { routes: [dashboardRoutes({ assetsDir: assets })] });
  const url = server.address.url;
  const api: Api = async (path, key = VIEW_KEY) => (await getJson(url, path, key)).body;
  await settled(url, `/api/v1/signals/health-score/campaign?${RANGE}`, (rows) =>
    rows.some(
      (r) =>
        r.campaign_id === 'alpha' &&
        r.current_health_score !== null &&
        (r.history[4]?.total_injection_count as number) > 0,
    ),
  );
  const browser = await launchChromium(t);
  const page = await browser.newPage();
  await signIn(page, `${url}/dashboard/overview?${RANGE}&facet=campaign`, VIEW_KEY);

  // Overview: scores and sends per campaign as the health-score API gives them.
  const health = (
    (await api(`/api/v1/signals/health-score/campaign?${RANGE}&limit=10`)).results as {
      data: Array<Record<string, unknown>>;
    }
  ).data;
  const scores = await column(page, 'health', 'score');
  const sends = await column(page, 'health', 'sends');
  for (const row of health) {
    const key = String(row.campaign_id);
    assert.equal(
      scores[key],
      row.current_health_score === null ? '' : String(Number(row.current_health_score)),
      key,
    );
    assert.equal(sends[key], String(row.current_total_injection_count), key);
  }
  await page.locator('#health tbody tr[data-key="alpha"]').click();
  await page.locator('#components tbody tr').first().waitFor();
  const alpha = health.find((r) => r.campaign_id === 'alpha')!;
  const weights = alpha.current_weights as Array<{ weight_type: string; weight: string }>;
  const points = await column(page, 'components', 'points');
  for (const w of weights)
    assert.equal(Number(points[w.weight_type]), Math.round(Number(w.weight) * 1000) / 10, w.weight_type);
  assert.match(
    String(await page.locator('#health-detail h3').first().textContent()),
    /Why did it drop|What moved/,
  );
  await shot(page, 'overview');
  await page.locator('.filters input[name=campaigns]').fill('beta');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.waitForURL(/campaigns=beta/);
  await page.locator('#health tbody tr[data-key="alpha"]').waitFor({ state: 'detached' });
  assert.deepEqual(Object.keys(await column(page, 'health', 'sends')), ['beta']);
});

it('summary, events, engagement and integration pages match their APIs; filters change the tables', async (t) => {
  const { server } = await seededSignals(t, 'duckdb', { routes: [dashboardRoutes({ assetsDir: assets })] });
  const url = server.address.url;
  const api: Api = async (path, key = VIEW_KEY) => (await getJson(url, path, key)).body;
  await settled(url, `/api/v1/signals/cohort-engagement/campaign?${RANGE}`, (rows) =>
    rows.some((r) => r.campaign_id === 'alpha' && r.current_c_14d === 300),
  );
  const browser = await launchChromium(t);
  const page = await browser.newPage();
  const metricsRange = `from=${day(D - 7 * DAY)}T00:00&to=${day(D + DAY)}T00:00`;

  // Summary report: totals and the per-campaign table as the Metrics API gives them.
  await signIn(page, `${url}/dashboard/summary?${RANGE}&group=campaign`, VIEW_KEY);
  const totals = (
    (
      await api(
        `/api/v1/metrics/deliverability?${metricsRange}&metrics=count_targeted,count_sent,count_accepted`,
      )
    ).results as Array<Record<string, number>>
  )[0]!;
  await page.locator('#summary-tiles .tile[data-metric="count_targeted"]').waitFor();
  assert.equal(
    await page.locator('#summary-tiles .tile[data-metric="count_targeted"]').getAttribute('data-value'),
    String(totals.count_targeted),
  );
  const byCampaign = (
    await api(`/api/v1/metrics/deliverability/campaign?${metricsRange}&metrics=count_targeted`)
  ).results as Array<Record<string, unknown>>;
  assert.deepEqual(
    await column(page, 'summary', 'count_targeted'),
    Object.fromEntries(byCampaign.map((r) => [String(r.campaign_id), String(r.count_targeted)])),
  );
  await shot(page, 'summary');
  await page.locator('select[name="group"]').selectOption('ip-pool');
  await page.waitForURL(/group=ip-pool/);
  await page.locator('#summary tbody tr[data-key="pool-b"]').waitFor();
  assert.deepEqual(Object.keys(await column(page, 'summary', 'value')).sort(), [
    'pool-a',
    'pool-b',
    'pool-g',
  ]);
  // A header click sorts (again: reversed); the sort is in the URL, so a reload keeps it.
  const rowKeys = () =>
    page.locator('#summary tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-key')));
  const sortedAs = async (keys: string[]) => {
    const deadline = Date.now() + 5000;
    while (JSON.stringify(await rowKeys()) !== JSON.stringify(keys)) {
      assert.ok(
        Date.now() < deadline,
        `rows ${JSON.stringify(await rowKeys())}, wanted ${JSON.stringify(keys)}`,
      );
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await page.locator('#summary th[data-col="value"] button').click();
  await page.waitForURL(/summary_sort=value/);
  await sortedAs(['pool-a', 'pool-b', 'pool-g']);
  await page.locator('#summary th[data-col="value"] button').click();
  await page.waitForURL(/summary_sort=-value/);
  await sortedAs(['pool-g', 'pool-b', 'pool-a']);
  await page.reload();
  await page.locator('#summary tbody tr').first().waitFor();
  await sortedAs(['pool-g', 'pool-b', 'pool-a']);

  // Event search: the count and a row per event; a click shows the event's JSON.
  await page.goto(`${url}/dashboard/events?${RANGE}&events=spam_complaint`);
  const complaints = await api(
    `/api/v1/events/message?from=${day(D - 7 * DAY)}T00:00:00Z&to=${day(D + DAY)}T00:00:00Z&events=spam_complaint`,
  );
  await page.locator('#events tbody tr').first().waitFor();
  assert.equal(
    await page.locator('#events-count').getAttribute('data-value'),
    String(complaints.total_count),
  );
  const listed = complaints.results as Array<Record<string, unknown>>;
  assert.deepEqual(
    Object.keys(await column(page, 'events', 'type')).sort(),
    listed.map((e) => String(e.event_id)).sort(),
  );
  await page.locator(`#events tbody tr[data-key="${listed[0]!.event_id}"]`).click();
  assert.deepEqual(JSON.parse(String(await page.locator('pre.json').textContent())), listed[0]);
  await shot(page, 'events');
  await page.getByLabel('Recipients').fill(String(listed[1]!.rcpt_to));
  await page.getByRole('button', { name: 'Search' }).click();
  await page.waitForURL(/recipients=/);
  await page.locator(`#events tbody tr[data-key="${listed[0]!.event_id}"]`).waitFor({ state: 'detached' });
  assert.deepEqual(Object.keys(await column(page, 'events', 'type')), [String(listed[1]!.event_id)]);

  // Engagement recency: cohort sizes per campaign, and the selected campaign's rates.
  await page.goto(`${url}/dashboard/engagement?${RANGE}&facet=campaign&selected=alpha`);
  const sizes = (
    (await api(`/api/v1/signals/cohort-engagement/campaign?${RANGE}`)).results as {
      data: Array<Record<string, unknown>>;
    }
  ).data;
  for (const cohort of ['c_total', 'c_new', 'c_14d', 'c_90d', 'c_365d', 'c_uneng']) {
    const shown = await column(page, 'cohorts', cohort);
    for (const row of sizes)
      assert.equal(shown[String(row.campaign_id)], String(row[`current_${cohort}`]), cohort);
  }
  const eng = (
    (await api(`/api/v1/signals/eng-cohort/campaign?${RANGE}`)).results as {
      data: Array<Record<string, unknown>>;
    }
  ).data;
  const alphaEng = eng.find((r) => r.campaign_id === 'alpha')!;
  const rates = await column(page, 'rates', 'eng');
  assert.equal(Number(rates['14d']), alphaEng.current_p_14d_eng);
  assert.equal(Number(rates.total), alphaEng.current_p_total_eng);
  await shot(page, 'engagement');

  // Integration: the batch list and the uploading client, then a new upload shows up by itself.
  await page.goto(`${url}/dashboard/integration?${RANGE}`);
  const batches = await api(
    `/api/v1/events/ingest?from=${day(D - 7 * DAY)}T00:00:00Z&to=${day(D + DAY)}T00:00:00Z&per_page=100`,
  );
  const tile = page.locator('#batch-tiles .tile[data-metric="batches"]');
  await tile.waitFor();
  assert.equal(await tile.getAttribute('data-value'), String(batches.total_count));
  assert.deepEqual(
    Object.keys(await column(page, 'batches', 'events')).sort(),
    (batches.results as Array<{ batch_id: string }>).map((b) => b.batch_id).sort(),
  );
  const uploaders = (await api('/api/v1/ingest/uploaders')).results as Array<Record<string, unknown>>;
  assert.equal(uploaders.length, 1);
  const mtaKey = `${uploaders[0]!.address} ${uploaders[0]!.user_agent}`;
  assert.equal((await column(page, 'mtas', 'uploads'))[mtaKey], String(uploaders[0]!.uploads));
  const before = Number(await tile.getAttribute('data-value'));
  const lines = [
    ingestLine({
      type: 'reception',
      recv_method: 'esmtp',
      timestamp: String(D + 20 * 3600),
      rcpt_to: 'late@gmail.com',
    }),
    '{"not": "an event"}',
  ];
  assert.equal((await upload(url, gzipLines(lines))).status, 200);
  // No reload: the page polls and shows the new batch (one line failed) within seconds.
  const deadline = Date.now() + 15_000;
  while (Number(await tile.getAttribute('data-value')) !== before + 1) {
    assert.ok(Date.now() < deadline, 'the new batch did not appear within 15 s');
    await new Promise((r) => setTimeout(r, 200));
  }
  await page.locator('#batches tbody tr td[data-col="failed"][data-value="1"]').waitFor();
  await shot(page, 'integration');
});

it('lets in only keys with the view grants, and a subaccount key sees only its subaccount', async (t) => {
  const { server } = await seededSignals(t, 'duckdb', { routes: [dashboardRoutes({ assetsDir: assets })] });
  const url = server.address.url;
  await settled(url, `/api/v1/signals/cohort-engagement/campaign?${RANGE}`, (rows) => rows.length === 3);
  const browser = await launchChromium(t);
  const page = await browser.newPage();
  await signIn(page, `${url}/dashboard/engagement?${RANGE}`, INGEST_KEY);
  await page.getByText('This key lacks the signals/view grant.').waitFor();
  await page.getByLabel('API key').fill('not-a-key-at-all-0000');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('This key is not known here.').waitFor();
  await page.getByLabel('API key').fill(SUB5_KEY);
  await page.getByRole('button', { name: 'Sign in' }).click();
  assert.deepEqual(Object.keys(await column(page, 'cohorts', 'c_total')), ['gamma']);
  // The key lives in this tab's session: a new tab (same profile) must sign in again.
  const other = await browser.newPage();
  await other.goto(`${url}/dashboard/engagement?${RANGE}`);
  await other.getByLabel('API key').waitFor();
  const shell = await fetch(`${url}/dashboard/engagement`);
  assert.equal(shell.status, 200);
  assert.match(shell.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  assert.doesNotMatch(await shell.text(), /gamma|alpha/, 'the page itself holds no data');
  assert.equal((await fetch(`${url}/dashboard/assets/..%2f..%2fpackage.json`)).status, 404);
  assert.equal((await fetch(`${url}/dashboard/nope`)).status, 404);
});
