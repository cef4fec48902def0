// http-access decides by client address, first matching line wins, no match is none; an API key is
// admin from anywhere; monitor reads, operator runs commands, only admin deletes; state changes
// need the CSRF token (or the key). Clients connect from different 127.0.0.x source addresses.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, it } from 'node:test';
import { freePort } from '../helpers/smtp-sink.js';
import { baseConfig, runCli, startInstance } from './helpers.js';

const KEY = 'k'.repeat(40);

interface Answer {
  status: number;
  body: { status: string; message: string; data: Record<string, unknown> };
}

function call(
  url: string,
  from: string,
  method: 'GET' | 'POST',
  path: string,
  headers: Record<string, string> = {},
  body?: unknown,
): Promise<Answer> {
  const target = new URL(path, url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method,
        localAddress: from,
        headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

describe('http-access', () => {
  it('grants none, monitor, operator and admin by client address, first match first', async (t) => {
    const o = await startInstance(t, (dir) =>
      baseConfig(
        dir,
        1,
        [
          'http-access 127.0.0.1 monitor',
          'http-access 127.0.0.2 none',
          'http-access 127.0.0.3 operator',
          'http-access 127.0.0.5 none',
          'http-access 127.0.0.0/29 admin',
          `http-api-key ${KEY}`,
        ].join('\n'),
      ),
    );
    const token = async (from: string) => {
      const answer = await call(o.url, from, 'GET', '/csrfToken');
      return String(answer.body.data.token);
    };
    const pause = async (from: string, headers: Record<string, string>) =>
      call(o.url, from, 'POST', '/pauseQueue', headers, { queue: 'x.test' });

    // monitor: reads, may not act
    assert.equal((await call(o.url, '127.0.0.1', 'GET', '/status')).status, 200);
    const monitorPause = await pause('127.0.0.1', { 'x-csrf-token': await token('127.0.0.1') });
    assert.equal(monitorPause.status, 403);
    assert.equal(monitorPause.body.message, 'this needs operator access (127.0.0.1 has monitor)');
    assert.equal((await call(o.url, '127.0.0.1', 'GET', '/settings?queue=x.test')).status, 403);

    // none, by its own line and by a line before a broader admin one
    for (const from of ['127.0.0.2', '127.0.0.5']) {
      const denied = await call(o.url, from, 'GET', '/status');
      assert.equal(denied.status, 403, from);
      assert.equal(denied.body.message, `access denied for ${from}`);
      assert.equal((await call(o.url, from, 'GET', '/metrics')).status, 403);
      assert.equal((await call(o.url, from, 'GET', '/ui')).status, 403);
    }
    // no matching line at all is none
    assert.equal((await call(o.url, '127.0.0.9', 'GET', '/status')).status, 403);

    // operator: commands yes, delete no
    assert.equal((await pause('127.0.0.3', { 'x-csrf-token': await token('127.0.0.3') })).status, 200);
    const operatorDelete = await call(
      o.url,
      '127.0.0.3',
      'POST',
      '/delete',
      { 'x-csrf-token': await token('127.0.0.3') },
      { queue: 'x.test' },
    );
    assert.equal(operatorDelete.status, 403);
    assert.equal((await call(o.url, '127.0.0.3', 'GET', '/settings?queue=x.test')).status, 200);

    // admin (the /29 line): delete yes, but never without the CSRF token or a key
    assert.equal((await pause('127.0.0.4', {})).status, 403);
    assert.equal((await pause('127.0.0.4', { 'x-csrf-token': 'forged' })).status, 403);
    const adminDelete = await call(
      o.url,
      '127.0.0.4',
      'POST',
      '/delete',
      { 'x-csrf-token': await token('127.0.0.4') },
      { queue: 'x.test' },
    );
    assert.equal(adminDelete.status, 200);
    assert.equal(adminDelete.body.message, 'deleted 0 recipient(s).');

    // the API key is admin even from an address that is denied, and needs no token
    assert.equal(
      (await call(o.url, '127.0.0.2', 'POST', '/delete', { 'x-api-key': KEY }, { queue: 'x.test' })).status,
      200,
    );
    assert.equal(
      (await call(o.url, '127.0.0.2', 'GET', '/status', { 'x-api-key': 'w'.repeat(40) })).status,
      403,
    );

    // a denied state change changed nothing
    const queues = await call(o.url, '127.0.0.1', 'GET', '/status');
    assert.equal(queues.status, 200);
  });

  it('the CLI as a monitor can look but not act', async (t) => {
    const o = await startInstance(t, (dir) => baseConfig(dir, 1, 'http-access 127.0.0.1 monitor\n'));
    const show = await o.cli(['show', 'queues']);
    assert.equal(show.code, 0, show.stderr);
    const pause = await o.cli(['pause', 'queue', 'x.test']);
    assert.equal(pause.code, 1);
    assert.match(pause.stderr, /this needs operator access \(127\.0\.0\.1 has monitor\)/);
    const reload = await o.cli(['reload']);
    assert.equal(reload.code, 1);
    assert.match(reload.stderr, /needs operator access/);
    // a port that cannot be reached is a clear error, not a stack trace
    const closed = await freePort();
    const nowhere = await runCli(['show', 'status', '--url', `http://127.0.0.1:${closed}`]);
    assert.equal(nowhere.code, 1);
    assert.match(
      nowhere.stderr,
      new RegExp(`cannot reach the management port at http://127\\.0\\.0\\.1:${closed}: ECONNREFUSED`),
    );
  });
});
