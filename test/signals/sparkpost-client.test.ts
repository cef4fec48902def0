// The official `sparkpost` npm client pointed at our server: events search and metrics, on both
// engines, answer what a hand count of the seeded uploads says.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import SparkPost from 'sparkpost';
import { eachEngine } from './engines.js';
import { gzipLines } from './fixtures.js';
import { EXPECTED_BY_CAMPAIGN, seedEvents } from './seed.js';
import { INGEST_KEY, startSignals, VIEW_KEY } from './server.js';

const iso = (s: number) => new Date(s * 1000).toISOString().replace('.000Z', 'Z');

eachEngine((ctx) => {
  it('answers events search and metrics through the official client', async (t) => {
    const server = await startSignals(t, ctx.engine, { clickhouseUrl: ctx.clickhouseUrl });
    const hour = Math.floor(Date.now() / 3_600_000) * 3600 - 5 * 3600;
    const seed = seedEvents(hour);
    const ingest = new SparkPost(INGEST_KEY, { origin: server.address.url });
    const sent = (await ingest.post({
      uri: 'ingest/events',
      body: gzipLines(seed.lines),
      headers: { 'Content-Encoding': 'gzip', 'Content-Type': 'application/x-ndjson' },
      json: false,
    })) as string;
    assert.match(JSON.parse(sent).results.id, /^[0-9a-f-]{36}$/);
    await server.pipeline!.drain();

    const client = new SparkPost(VIEW_KEY, { origin: server.address.url });
    const window = { from: iso(hour), to: iso(hour + 3 * 3600) };

    // Events search: filters, paging through links.next, SparkPost's shape.
    const page1 = await client.events.searchMessage({
      ...window,
      events: ['delivery', 'bounce'],
      per_page: 2,
    });
    assert.equal(page1.total_count, 5);
    const results1 = page1.results as Array<Record<string, unknown>>;
    assert.deepEqual(
      results1.map((e) => [e.type, e.message_id]),
      [
        ['bounce', 'm3'],
        ['delivery', 'm2'],
      ],
    );
    assert.equal(results1[1]!.timestamp, new Date((hour + 3600 + 100) * 1000).toISOString());
    assert.equal(results1[1]!.num_retries, '1');
    assert.equal(results1[1]!.customer_id, '42');
    assert.equal(results1[1]!.ip_pool, 'pool-a');
    const next = (page1.links as { next: string }).next;
    assert.match(next, /^\/api\/v1\/events\/message\?.*cursor=/);
    const page2 = await client.get({ uri: next });
    const page3 = await client.get({ uri: (page2.links as { next: string }).next });
    const all = [...results1, ...(page2.results as unknown[]), ...(page3.results as unknown[])] as Array<
      Record<string, unknown>
    >;
    assert.deepEqual(
      all.map((e) => e.message_id),
      ['m3', 'm2', 'm5', 'm4', 'm1'],
    );
    assert.equal((page3.links as { next?: string }).next, undefined);

    const byKeyword = await client.events.searchMessage({
      ...window,
      campaigns: 'autumn',
      events: 'injection',
    });
    assert.deepEqual(
      (byKeyword.results as Array<Record<string, unknown>>).map((e) => e.message_id),
      ['m5', 'm4'],
    );
    const byRecipient = await client.events.searchMessage({ ...window, recipients: ['M3@CORP.EXAMPLE'] });
    const m3 = byRecipient.results as Array<Record<string, unknown>>;
    assert.deepEqual(
      m3.map((e) => e.type),
      ['bounce', 'injection'],
    );
    assert.equal(m3[1]!.mailbox_provider, 'Google Apps', 'corp.example MX is at Google');
    const byMessage = await client.events.searchMessage({
      ...window,
      message_ids: 'm1',
      events: 'open,initial_open',
    });
    assert.equal(byMessage.total_count, 3);
    assert.equal(
      (byMessage.results as Array<Record<string, unknown>>)[0]!.campaign_id,
      'spring-sale',
      'opens inherit',
    );

    // Metrics: every metric by campaign, against the hand count.
    const metrics = Object.keys(EXPECTED_BY_CAMPAIGN['spring-sale']);
    const byCampaign = await client.get({
      uri: 'metrics/deliverability/campaign',
      qs: { ...window, metrics: metrics.join(','), order_by: 'count_targeted' },
    });
    assert.deepEqual(byCampaign.results, [
      { campaign_id: 'spring-sale', ...EXPECTED_BY_CAMPAIGN['spring-sale'] },
      { campaign_id: 'autumn_promo', ...EXPECTED_BY_CAMPAIGN.autumn_promo },
    ]);
    const summary = await client.get({
      uri: 'metrics/deliverability',
      qs: { ...window, metrics: 'count_targeted,count_sent' },
    });
    assert.deepEqual(summary.results, [{ count_targeted: 7, count_sent: 5 }]);

    // Hourly series for one pool: every hour present, zeros included.
    const series = await client.get({
      uri: 'metrics/deliverability/time-series',
      qs: { ...window, precision: 'hour', ip_pools: 'pool-a', metrics: 'count_delivered,count_rendered' },
    });
    assert.deepEqual(series.results, [
      { ts: iso(hour).replace('Z', '+00:00'), count_delivered: 1, count_rendered: 0 },
      { ts: iso(hour + 3600).replace('Z', '+00:00'), count_delivered: 1, count_rendered: 1 },
      { ts: iso(hour + 7200).replace('Z', '+00:00'), count_delivered: 0, count_rendered: 1 },
    ]);

    const pools = await client.get({ uri: 'metrics/ip-pools', qs: { from: window.from } });
    assert.deepEqual((pools.results as { ip_pools: string[] }).ip_pools.sort(), ['pool-a', 'pool-b']);

    await assert.rejects(
      new SparkPost('not-a-key-000000000000', { origin: server.address.url }).events.searchMessage({}),
      {
        statusCode: 401,
      },
    );
  });
});
