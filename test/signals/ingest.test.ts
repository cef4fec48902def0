// Uploads as PowerMTA's connector sends them, checked through the batch-status API and the store.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { TRUE } from '../../src/signals/store/query.js';
import { eachEngine } from './engines.js';
import { gzipLines, ingestLine, referenceUpload } from './fixtures.js';
import { getJson, startSignals, upload } from './server.js';

const now = () => Math.floor(Date.now() / 1000);

eachEngine((ctx) => {
  it('accepts the reference upload: every ingest type, mapped, enriched and reported', async (t) => {
    const server = await startSignals(t, ctx.engine, { clickhouseUrl: ctx.clickhouseUrl });
    const lines = referenceUpload(now() - 3600);
    const sent = await upload(server.address.url, gzipLines(lines));
    assert.equal(sent.status, 200);
    const id = (sent.body.results as { id: string }).id;
    assert.match(id, /^[0-9a-f-]{36}$/);
    await server.pipeline!.drain();

    const status = await getJson(server.address.url, '/api/v1/events/ingest');
    assert.equal(status.status, 200);
    assert.deepEqual(status.body.total_count, 1);
    const [record] = status.body.results as Array<Record<string, unknown>>;
    assert.equal(record!.type, 'success');
    assert.equal(record!.batch_id, id);
    assert.equal(record!.number_succeeded, 17);
    assert.equal(record!.number_duplicates, 0);
    assert.equal(record!.customer_id, 42);

    const events = await server.store!.search({ where: TRUE, limit: 100 });
    const types = events.map((e) => e.type).sort();
    assert.deepEqual(types, [
      'amp_click',
      'amp_initial_open',
      'amp_open',
      'bounce',
      'click',
      'delay',
      'delivery',
      'generation_failure',
      'generation_rejection',
      'initial_open',
      'injection',
      'link_unsubscribe',
      'list_unsubscribe',
      'open',
      'out_of_band',
      'policy_rejection',
      'spam_complaint',
    ]);
    const byType = Object.fromEntries(events.map((e) => [e.type, e]));
    const injection = byType.injection!;
    assert.equal(injection.recipient_domain, 'gmail.com');
    assert.equal(injection.mailbox_provider, 'Gmail');
    assert.equal(injection.mailbox_provider_region, 'Global');
    assert.equal(injection.sending_domain, 'example.com');
    assert.equal(injection.ip_pool, 'hot chili', 'binding_group becomes the IP pool');
    assert.equal(injection.msg_size, 315, 'numbers given as strings are numbers');
    assert.equal(injection.open_tracking, true);
    assert.equal(injection.customer_id, 42);
    // Engagement and complaint events inherit the injection's campaign, pool and subject.
    for (const type of ['click', 'open', 'spam_complaint', 'out_of_band', 'list_unsubscribe'] as const) {
      assert.equal(byType[type]!.campaign_id, 'spring-sale', type);
      assert.equal(byType[type]!.subject, 'Spring deals', type);
      assert.equal(byType[type]!.ip_pool, 'hot chili', type);
      assert.equal(byType[type]!.injection_time, injection.ts, type);
    }
    assert.deepEqual(byType.click!.extra?.geo_ip, {
      country: 'US',
      region: 'MD',
      city: 'Columbia',
      latitude: 39.1749,
      longitude: -76.8375,
      zip: 21046,
      postal_code: '21046',
    });
    assert.equal(byType.bounce!.bounce_class, 10);
  });

  it('stores a re-sent batch and re-sent events once', async (t) => {
    const server = await startSignals(t, ctx.engine, { clickhouseUrl: ctx.clickhouseUrl });
    const ts = String(now() - 60);
    const a = ingestLine({ timestamp: ts });
    const b = ingestLine({ timestamp: ts });
    const c = ingestLine({ timestamp: ts });
    const first = await upload(server.address.url, gzipLines([a, b]));
    const again = await upload(server.address.url, gzipLines([a, b]));
    const overlap = await upload(server.address.url, gzipLines([b, c, c]));
    await server.pipeline!.drain();
    assert.notEqual((first.body.results as { id: string }).id, (again.body.results as { id: string }).id);
    assert.equal(await server.store!.count(TRUE), 3);
    const status = await getJson(server.address.url, '/api/v1/events/ingest');
    const byId = new Map((status.body.results as Array<Record<string, unknown>>).map((r) => [r.batch_id, r]));
    const summary = (sent: { body: Record<string, unknown> }) => {
      const r = byId.get((sent.body.results as { id: string }).id)!;
      return [r.type, r.error_type, r.number_succeeded, r.number_duplicates];
    };
    assert.deepEqual(summary(first), ['success', undefined, 2, 0]);
    assert.deepEqual(summary(again), ['error', 'duplicate_batch', 0, 2]);
    assert.deepEqual(summary(overlap), ['success', undefined, 1, 2]);
  });

  it('enriches custom domains through a cached MX lookup', async (t) => {
    let lookups = 0;
    const server = await startSignals(t, ctx.engine, {
      clickhouseUrl: ctx.clickhouseUrl,
      resolveMx: async (domain) => {
        lookups += 1;
        return domain === 'corp.example' ? ['alt1.aspmx.l.google.com.'] : [];
      },
    });
    const ts = String(now() - 60);
    const lines = [
      ingestLine({ timestamp: ts, rcpt_to: 'Ann@Corp.Example' }),
      ingestLine({ timestamp: ts, rcpt_to: 'bob@corp.example' }),
      ingestLine({ timestamp: ts, rcpt_to: 'eve@nomx.example' }),
      ingestLine({ timestamp: ts, rcpt_to: 'joe@yahoo.co.uk' }),
    ];
    await upload(server.address.url, gzipLines(lines.slice(0, 2)));
    await upload(server.address.url, gzipLines(lines.slice(2)));
    await server.pipeline!.drain();
    const events = await server.store!.search({ where: TRUE, limit: 10 });
    const byRcpt = Object.fromEntries(events.map((e) => [e.rcpt_to, e]));
    assert.equal(byRcpt['ann@corp.example']!.mailbox_provider, 'Google Apps');
    assert.equal(byRcpt['ann@corp.example']!.raw_rcpt_to, undefined);
    assert.equal(byRcpt['bob@corp.example']!.mailbox_provider, 'Google Apps');
    assert.equal(byRcpt['eve@nomx.example']!.mailbox_provider, 'Other Providers');
    assert.equal(byRcpt['joe@yahoo.co.uk']!.mailbox_provider, 'Yahoo UK');
    assert.equal(byRcpt['joe@yahoo.co.uk']!.mailbox_provider_region, 'Europe');
    assert.equal(lookups, 2, 'one lookup per custom domain; table domains need none');
  });
});
