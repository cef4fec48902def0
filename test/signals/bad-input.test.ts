// Bad input gets a clear error and changes nothing it should not: keys, grants, encodings, sizes,
// gzip bombs, broken lines, stale or future events, and parameters of every query API.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { TRUE } from '../../src/signals/store/query.js';
import { eachEngine } from './engines.js';
import { gzipLines, ingestLine } from './fixtures.js';
import { ALL_KEY, getJson, INGEST_KEY, SUB5_KEY, startSignals, upload, VIEW_KEY } from './server.js';

const now = () => Math.floor(Date.now() / 1000);
const iso = (s: number) => new Date(s * 1000).toISOString();

async function batches(url: string): Promise<Array<Record<string, unknown>>> {
  return (await getJson(url, '/api/v1/events/ingest')).body.results as Array<Record<string, unknown>>;
}

eachEngine((ctx) => {
  it('refuses unknown keys and missing grants with 401/403, storing nothing', async (t) => {
    const server = await startSignals(t, ctx.engine, { clickhouseUrl: ctx.clickhouseUrl });
    const url = server.address.url;
    const body = gzipLines([ingestLine({ timestamp: String(now()) })]);
    const cases: Array<[Record<string, string>, number]> = [
      [{ authorization: '' }, 401],
      [{ authorization: 'wrong-key-00000000000000000' }, 401],
      [{ authorization: `Basic ${Buffer.from('wrong-key:').toString('base64')}` }, 401],
      [{ authorization: VIEW_KEY }, 403],
      [{ authorization: SUB5_KEY, 'x-msys-subaccount': '6' }, 403],
      [{ authorization: INGEST_KEY, 'x-msys-subaccount': "1'; --" }, 400],
    ];
    for (const [headers, status] of cases) {
      const response = await upload(url, body, headers);
      assert.equal(response.status, status, JSON.stringify(headers));
      const [error] = (response.body as { errors: Array<Record<string, string>> }).errors;
      assert.ok(error!.message && error!.code, 'SparkPost error shape');
    }
    assert.equal((await getJson(url, '/api/v1/events/message', INGEST_KEY)).status, 403);
    assert.equal(
      (
        await getJson(
          url,
          `/api/v1/metrics/deliverability?from=${iso(now() - 3600)}&metrics=count_sent`,
          INGEST_KEY,
        )
      ).status,
      403,
    );
    assert.equal((await getJson(url, '/api/v1/events/message', 'nope-0000000000000000')).status, 401);
    const basic = await upload(url, body, {
      authorization: `Basic ${Buffer.from(`${INGEST_KEY}:`).toString('base64')}`,
    });
    assert.equal(basic.status, 200, 'Basic with the key as user name is accepted');
    await server.pipeline!.drain();
    assert.equal(await server.store!.count(TRUE), 1, 'only the accepted upload stored anything');
    assert.equal((await batches(url)).length, 1);
  });

  it('refuses bodies that are not gzip-encoded or too large; reports broken gzip and gzip bombs', async (t) => {
    const server = await startSignals(t, ctx.engine, { clickhouseUrl: ctx.clickhouseUrl });
    const url = server.address.url;
    const line = ingestLine({ timestamp: String(now()) });
    const plain = await upload(url, Buffer.from(`${line}\n`), { 'content-encoding': 'identity' });
    assert.equal(plain.status, 415);
    const big = await upload(url, Buffer.alloc(6 * 1024 * 1024, 0x61));
    assert.equal(big.status, 413);
    assert.equal((big.body as { errors: Array<{ code: string }> }).errors[0]!.code, 'payload_too_large');
    const notGzip = await upload(url, Buffer.from(`${line}\n`));
    assert.equal(notGzip.status, 200, 'SparkPost acknowledges, then reports the batch as decompress');
    const truncated = await upload(url, gzipLines([line]).subarray(0, 20));
    // 96 MiB of zeros compress to ~95 KB: past the 64 MiB cap it stops, it does not fill memory.
    const bomb = await upload(url, gzipSync(Buffer.alloc(96 * 1024 * 1024), { level: 9 }));
    assert.equal(bomb.status, 200);
    await server.pipeline!.drain();
    const byId = new Map((await batches(url)).map((b) => [b.batch_id, b]));
    const idOf = (r: { body: Record<string, unknown> }) => (r.body.results as { id: string }).id;
    assert.equal(byId.size, 3, '415 and 413 journaled nothing');
    for (const r of [notGzip, truncated, bomb]) {
      assert.equal(byId.get(idOf(r))!.error_type, 'decompress');
      assert.equal(byId.get(idOf(r))!.retryable, false);
    }
    assert.match(String(byId.get(idOf(bomb))!.error_message), /exceeds/);
    assert.equal(await server.store!.count(TRUE), 0);
  });

  it('drops and reports bad lines, keeping the rest of the batch', async (t) => {
    const server = await startSignals(t, ctx.engine, { clickhouseUrl: ctx.clickhouseUrl });
    const url = server.address.url;
    const ts = String(now() - 60);
    const good = [
      ingestLine({ timestamp: ts }),
      ingestLine({ timestamp: ts, msg_size: '1234', num_retries: 2 }),
    ];
    const bad: Array<[string, RegExp]> = [
      ['this is not json', /not valid JSON/],
      ['{"foo":1}', /msys/],
      [ingestLine({ timestamp: ts, event_id: undefined }), /event_id/],
      [ingestLine({ timestamp: ts, type: undefined }), /type/],
      [ingestLine({ timestamp: undefined }), /timestamp/],
      [ingestLine({ timestamp: ts, message_id: undefined }), /message_id/],
      [ingestLine({ timestamp: ts, delv_method: undefined }), /recv_method or delv_method/],
      [ingestLine({ timestamp: String(now() + 3600) }), /future/],
      [ingestLine({ timestamp: String(now() - 25 * 3600) }), /older than 24 hours/],
      [ingestLine({ timestamp: ts, type: 'open' }), /track_event/],
      [ingestLine({ timestamp: ts, type: 'teleport' }), /unknown event type/],
      [ingestLine({ timestamp: ts, msg_size: 'big' }), /msg_size/],
      [ingestLine({ timestamp: ts, rcpt_hash: 'abc' }), /rcpt_domain/],
      [ingestLine({ timestamp: ts, subject: { nested: true } }), /subject/],
    ];
    const lines = [good[0]!, ...bad.map(([l]) => l), good[1]!];
    const sent = await upload(url, gzipLines(lines));
    await server.pipeline!.drain();
    const [record] = await batches(url);
    assert.equal(record!.batch_id, (sent.body.results as { id: string }).id);
    assert.equal(record!.type, 'error');
    assert.equal(record!.error_type, 'validation');
    assert.equal(record!.number_succeeded, 2);
    assert.equal(record!.number_failed, bad.length);
    const download = await fetch(String(record!.href), { headers: { authorization: INGEST_KEY } });
    assert.equal(download.status, 200);
    const failures = gunzipSync(Buffer.from(await download.arrayBuffer()))
      .toString()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { line: number; error: string; event: string });
    assert.deepEqual(
      failures.map((f) => f.line),
      bad.map((_, i) => i + 2),
    );
    for (const [i, [text, reason]] of bad.entries()) {
      assert.match(failures[i]!.error, reason, text);
      assert.equal(failures[i]!.event, text);
    }
    const stored = await server.store!.search({ where: TRUE, limit: 10 });
    assert.deepEqual(
      stored.map((e) => e.event_id).sort(),
      good.map((l) => JSON.parse(l).msys.message_event.event_id).sort(),
    );
    const other = await fetch(String(record!.href), { headers: { authorization: SUB5_KEY } });
    assert.equal(other.status, 404, 'a subaccount key cannot read the primary account batch');
  });

  it('keeps a subaccount key to its own subaccount, for uploads and queries', async (t) => {
    const server = await startSignals(t, ctx.engine, { clickhouseUrl: ctx.clickhouseUrl });
    const url = server.address.url;
    const ts = String(now() - 120);
    await upload(url, gzipLines([ingestLine({ timestamp: ts, campaign_id: 'primary' })]));
    const sub = await upload(
      url,
      gzipLines([
        ingestLine({ timestamp: ts, campaign_id: 'five' }),
        ingestLine({ timestamp: ts, subaccount_id: 3, campaign_id: 'three' }),
      ]),
      { authorization: SUB5_KEY },
    );
    assert.equal(sub.status, 200);
    await server.pipeline!.drain();
    const window = `from=${iso(now() - 3600)}&to=${iso(now() + 60)}`;
    const mine = await getJson(url, `/api/v1/events/message?${window}`, SUB5_KEY);
    assert.deepEqual(
      (mine.body.results as Array<Record<string, unknown>>).map((e) => [e.campaign_id, e.subaccount_id]),
      [['five', '5']],
    );
    const asked = await getJson(url, `/api/v1/events/message?${window}&subaccounts=0,3`, SUB5_KEY);
    assert.equal(asked.body.total_count, 0, 'asking for other subaccounts shows nothing');
    const everything = await getJson(url, `/api/v1/events/message?${window}`, ALL_KEY);
    assert.equal(everything.body.total_count, 2);
    const metrics = await getJson(
      url,
      `/api/v1/metrics/deliverability/subaccount?${window}&metrics=count_delivered`,
      SUB5_KEY,
    );
    assert.deepEqual(metrics.body.results, [{ subaccount_id: 5, count_delivered: 1 }]);
    const list = await getJson(url, '/api/v1/events/ingest', SUB5_KEY);
    assert.equal((list.body.results as unknown[]).length, 1, 'batch status shows only its own batches');
    assert.equal((list.body.results as Array<Record<string, unknown>>)[0]!.number_failed, 1);
  });

  it('answers bad query parameters with 400 naming the parameter', async (t) => {
    const server = await startSignals(t, ctx.engine, { clickhouseUrl: ctx.clickhouseUrl });
    const url = server.address.url;
    const from = iso(now() - 3 * 86400);
    const cases: Array<[string, string]> = [
      ['/api/v1/events/message?per_page=0', 'per_page'],
      ['/api/v1/events/message?per_page=10001', 'per_page'],
      [`/api/v1/events/message?from=${iso(now())}&to=${iso(now() - 60)}`, 'from'],
      ['/api/v1/events/message?from=yesterday', 'from'],
      ['/api/v1/events/message?events=delivery,teleport', 'events'],
      ['/api/v1/events/message?cursor=bm90IGEgY3Vyc29y', 'cursor'],
      ['/api/v1/events/message?bounce_classes=10;DROP', 'bounce_classes'],
      ['/api/v1/events/message?subaccounts=1%20OR%201=1', 'subaccounts'],
      ['/api/v1/events/message?colour=blue', 'colour'],
      ['/api/v1/events/message?ab_test_versions=1', 'ab_test_versions'],
      ['/api/v1/metrics/deliverability?metrics=count_sent', 'from'],
      [`/api/v1/metrics/deliverability?from=${from}`, 'metrics'],
      [`/api/v1/metrics/deliverability?from=${from}&metrics=count_everything`, 'metrics'],
      [`/api/v1/metrics/deliverability?from=${from}&metrics=count_sent&precision=1min`, 'precision'],
      [
        `/api/v1/metrics/deliverability/time-series?from=${from}&metrics=count_sent&precision=fortnight`,
        'precision',
      ],
      [`/api/v1/metrics/deliverability?from=${from}&metrics=count_sent&timezone=Mars/Olympus`, 'timezone'],
      [`/api/v1/metrics/deliverability?from=${from}&metrics=count_sent&query_filters={bad`, 'query_filters'],
      [
        `/api/v1/metrics/deliverability?from=${from}&metrics=count_sent&query_filters=${encodeURIComponent('{"groupings":[{"AND":{"campaigns":{"like":["ab"]}}}]}')}`,
        'query_filters',
      ],
      [
        `/api/v1/metrics/deliverability?from=${from}&metrics=count_sent&query_filters=${encodeURIComponent('{"groupings":[{"AND":{"colour":{"eq":["x"]}}}]}')}`,
        'query_filters',
      ],
      [
        `/api/v1/metrics/deliverability/campaign?from=${from}&metrics=count_sent&order_by=count_bounce`,
        'order_by',
      ],
      [`/api/v1/metrics/deliverability?from=${from}&metrics=count_sent&subaccounts=x`, 'subaccounts'],
    ];
    for (const [path, param] of cases) {
      const response = await getJson(url, path, VIEW_KEY);
      assert.equal(response.status, 400, path);
      const [error] = (response.body as { errors: Array<Record<string, string>> }).errors;
      assert.equal(error!.param, param, path);
      assert.equal(error!.code, 'invalid_params');
    }
  });
});
