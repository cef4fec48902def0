// SQL and regex metacharacters thrown at every filter of the Events and Metrics APIs, on both
// engines: each value finds exactly the event that carries it, and nothing is changed or lost.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { TRUE } from '../../src/signals/store/query.js';
import { eachEngine } from './engines.js';
import { gzipLines, ingestLine, NASTY_VALUES } from './fixtures.js';
import { getJson, startSignals, upload, VIEW_KEY } from './server.js';

const now = () => Math.floor(Date.now() / 1000);
const iso = (s: number) => new Date(s * 1000).toISOString();
/** Ids must be printable ASCII without spaces; these still carry quotes, comments and escapes. */
const NASTY_IDS = ["x'OR'1'='1", "';DROP/**/TABLE/**/events;--", "\\'", 'a\\\\b', '"%_*', '`$1{x:String}'];

const TEXT_PARAMS: Record<string, string> = {
  campaigns: 'campaign_id',
  templates: 'template_id',
  ip_pools: 'ip_pool',
  sending_ips: 'sending_ip',
  subjects: 'subject',
  reasons: 'reason',
  transmissions: 'transmission_id',
  mailbox_providers: 'mailbox_provider',
  mailbox_provider_regions: 'mailbox_provider_region',
  ab_tests: 'ab_test_id',
  recipients: 'rcpt_to',
};
const METRIC_PARAMS: Record<string, string> = {
  campaigns: 'campaign_id',
  templates: 'template_id',
  ip_pools: 'ip_pool',
  sending_ips: 'sending_ip',
  mailbox_providers: 'mailbox_provider',
  mailbox_provider_regions: 'mailbox_provider_region',
};

eachEngine((ctx) => {
  it('treats metacharacters in every events and metrics filter as text', async (t) => {
    const server = await startSignals(t, ctx.engine, { clickhouseUrl: ctx.clickhouseUrl });
    const url = server.address.url;
    const ts = String(now() - 300);
    const lines = [
      ingestLine({ timestamp: ts, type: 'reception', recv_method: 'esmtp', campaign_id: 'plain' }),
    ];
    NASTY_VALUES.forEach((value, i) => {
      const fields: Record<string, unknown> = {
        timestamp: ts,
        type: 'reception',
        recv_method: 'esmtp',
        event_id: `nasty-${i}`,
      };
      for (const column of Object.values(TEXT_PARAMS)) fields[column] = value;
      lines.push(ingestLine(fields));
    });
    for (const [i, id] of NASTY_IDS.entries()) {
      lines.push(ingestLine({ timestamp: ts, event_id: id, message_id: id, campaign_id: `ids-${i}` }));
    }
    const sent = await upload(url, gzipLines(lines));
    assert.equal(sent.status, 200);
    await server.pipeline!.drain();
    const total = await server.store!.count(TRUE);
    assert.equal(total, lines.length, 'every line was accepted');
    const window = `from=${iso(now() - 3600)}&to=${iso(now() + 60)}`;
    const search = async (params: string) => {
      const response = await getJson(url, `/api/v1/events/message?${window}&${params}`, VIEW_KEY);
      assert.equal(response.status, 200, params);
      return (response.body.results as Array<Record<string, unknown>>).map((e) => e.event_id);
    };

    for (const [i, value] of NASTY_VALUES.entries()) {
      for (const param of Object.keys(TEXT_PARAMS)) {
        const found = await search(`${param}=${encodeURIComponent(value)}`);
        assert.deepEqual(found, [`nasty-${i}`], `${param}=${JSON.stringify(value)}`);
      }
      const metrics = `/api/v1/metrics/deliverability?${window}&metrics=count_injected`;
      for (const param of Object.keys(METRIC_PARAMS)) {
        const response = await getJson(url, `${metrics}&${param}=${encodeURIComponent(value)}`, VIEW_KEY);
        assert.deepEqual(
          response.body.results,
          [{ count_injected: 1 }],
          `metrics ${param}=${JSON.stringify(value)}`,
        );
      }
      const filters = (op: string, v: string) =>
        encodeURIComponent(
          JSON.stringify({ groupings: [{ AND: { campaigns: { [op]: [v] }, ip_pools: { [op]: [v] } } }] }),
        );
      const eq = await getJson(url, `${metrics}&query_filters=${filters('eq', value)}`, VIEW_KEY);
      assert.deepEqual(eq.body.results, [{ count_injected: 1 }], `query_filters eq ${JSON.stringify(value)}`);
      if ([...value].length >= 3) {
        const like = await getJson(url, `${metrics}&query_filters=${filters('like', value)}`, VIEW_KEY);
        assert.ok(
          ((like.body.results as Array<{ count_injected: number }>)[0]!.count_injected ?? 0) >= 1,
          `like ${value}`,
        );
        const notEq = await getJson(url, `${metrics}&query_filters=${filters('notEq', value)}`, VIEW_KEY);
        assert.deepEqual(
          notEq.body.results,
          [{ count_injected: NASTY_VALUES.length }],
          `notEq ${JSON.stringify(value)}`,
        );
      }
    }
    for (const [i, id] of NASTY_IDS.entries()) {
      for (const param of ['event_ids', 'messages', 'message_ids']) {
        assert.deepEqual(await search(`${param}=${encodeURIComponent(id)}`), [id], `${param}=${id}`);
      }
      assert.deepEqual(await search(`campaigns=ids-${i}`), [id]);
    }
    assert.equal(await server.store!.count(TRUE), total, 'nothing was deleted or added by the queries');
  });
});
