// Readers: the sink loads the images and follows one link of accepted HTML, only on loopback, and
// never follows a redirect. The tracker here is a plain HTTP server that counts hits.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isLoopbackUrl } from '../../src/sink/index.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';
import { sendOne, startSink } from './helpers.js';

async function tracker(t: import('node:test').TestContext) {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url} ${req.headers['user-agent']}`);
    if (req.url?.startsWith('/c/')) {
      // The real target: if the sink followed this, it would leave loopback.
      res.writeHead(302, { location: 'http://example.com/landing' }).end();
    } else res.writeHead(200, { 'content-type': 'image/gif' }).end('GIF89a');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { hits, port: (server.address() as { port: number }).port };
}

function htmlMessage(port: number): string {
  const body = [
    '<html><body>',
    `<img src="http://127.0.0.1:${port}/o/pixel-1" width="1" height="1">`,
    '<img src="https://cdn.example.com/logo.png">',
    `<p><a href="http://127.0.0.1:${port}/c/link-1">Sale</a> <a href="https://example.com/direct">direct</a></p>`,
    `<img src="http://127.0.0.1:${port}/o/pixel-2">`,
    '</body></html>',
  ].join('\r\n');
  return ['Subject: news', 'MIME-Version: 1.0', 'Content-Type: text/html; charset=utf-8', '', body, ''].join(
    '\r\n',
  );
}

describe('sink readers', () => {
  it('opens load loopback images, clicks hit one loopback link without following its redirect', async (t) => {
    const { hits, port } = await tracker(t);
    const { sink, errors } = await startSink(t, {
      engagement: { 'delay-ms': [0, 20], 'user-agent': 'TestReader/1' },
      rules: [{ domains: ['*'], open: 1, click: 1 }],
    });
    const file = join(tempDir(t), 'message.eml');
    writeFileSync(file, htmlMessage(port));
    await sendOne(sink.port, 'reader@example.test', ['--data', `@${file}`]);
    await waitFor(() => hits.length === 3 && sink.pendingFollowups === 0, 'three hits on the tracker');
    assert.deepEqual(hits.sort(), [
      'GET /c/link-1 TestReader/1',
      'GET /o/pixel-1 TestReader/1',
      'GET /o/pixel-2 TestReader/1',
    ]);
    const { followups } = sink.snapshot();
    assert.equal(followups.opens, 1);
    assert.equal(followups.clicks, 1);
    assert.equal(followups.fetches, 3);
    assert.equal(followups.fetchesFailed, 0, errors.join('\n'));
  });

  it('does not read when the rates say no', async (t) => {
    const { hits, port } = await tracker(t);
    const { sink } = await startSink(t, {
      engagement: { 'delay-ms': 0 },
      rules: [{ domains: ['*'], open: 0, click: 0 }],
    });
    const file = join(tempDir(t), 'message.eml');
    writeFileSync(file, htmlMessage(port));
    await sendOne(sink.port, 'reader@example.test', ['--data', `@${file}`]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(hits, []);
    assert.equal(sink.snapshot().messages, 1);
  });

  it('counts only loopback http(s) URLs as fetchable', () => {
    for (const url of [
      'http://127.0.0.1:8090/o/x',
      'https://127.9.9.9/c/y',
      'http://[::1]:80/',
      'http://localhost:1/',
    ]) {
      assert.ok(isLoopbackUrl(url), url);
    }
    for (const url of [
      'http://example.com/',
      'http://10.0.0.1/',
      'http://128.0.0.1/',
      'http://127.0.0.1.example.com/',
      'http://localhost.example.com/',
      'ftp://127.0.0.1/',
      'file:///etc/passwd',
      'http://[::2]/',
      'not a url',
    ]) {
      assert.ok(!isLoopbackUrl(url), url);
    }
  });
});
