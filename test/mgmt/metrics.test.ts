// Prometheus metrics on both roles. A Signals server runs on its own (`outpost signals`, as on a
// host of its own) and an MTA in this process sends it its events; the MTA's /metrics counts the
// outcomes by VirtualMTA and domain, the queue, connections, spool commits and the connector's
// uploads, and the Signals server's /metrics counts what it ingested and how long requests took.
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { TestDnsServer } from '../helpers/dns-server.js';
import { startSmtpSink } from '../helpers/smtp-sink.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';
import { baseConfig, startInstance } from './helpers.js';

const exec = promisify(execFile);
const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
const KEY = 'metrics-test-key-000000000001';

/** `outpost signals --config FILE`; resolves with its URL once it listens. */
function startSignalsHost(configFile: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'signals', '--config', configFile], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  return new Promise((resolve, reject) => {
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (text: string) => {
      log += text;
      const match = /signals server listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(log);
      if (match) resolve({ child, url: match[1]! });
    });
    child.once('exit', (code) => reject(new Error(`outpost signals exited (${code}):\n${log}`)));
  });
}

/** The value of one series in a Prometheus text exposition (undefined when absent). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('Prometheus /metrics', () => {
  it('counts the MTA and the Signals server, each on its own port', async (t) => {
    const dns = await new TestDnsServer({}).start();
    t.after(() => dns.stop());
    const signalsDir = tempDir(t, 'outpost-signals-host-');
    const signalsConfig = join(signalsDir, 'signals.config');
    writeFileSync(
      signalsConfig,
      `<outpost>\n  data-dir ${signalsDir}\n  dns-server ${dns.address}\n</outpost>\n` +
        `<signals-server>\n  listen 127.0.0.1:0\n  api-key ${KEY} all\n</signals-server>\n`,
    );
    const signals = await startSignalsHost(signalsConfig);
    t.after(() => signals.child.kill('SIGKILL'));

    const sink = await startSmtpSink(t);
    const o = await startInstance(t, (dir) =>
      baseConfig(
        dir,
        sink.port,
        `<outpost>\n  signals-upload-interval 1s\n</outpost>\n<source 127.0.0.1>\n  default-virtual-mta v1\n</source>\n` +
          `<signals>\n  api-key ${KEY}\n  upload-url ${signals.url}/api/v1/ingest/events\n</signals>\nenable-signals true\n` +
          'http-access 127.0.0.1 monitor\n',
      ),
    );
    for (const to of ['a@example.test', 'b@example.test', 'c@other.test'])
      await exec('swaks', ['--server', `127.0.0.1:${o.smtpPort}`, '--from', 'news@ops.test', '--to', to]);
    await waitFor(() => o.events.filter((e) => e.type === 'delivery').length === 3, 'three deliveries');

    const mta = async () => (await fetch(`${o.url}/metrics`)).text();
    await waitFor(
      async () => (sample(await mta(), 'outpost_signals_uploaded_total') ?? 0) >= 6,
      'the upload acknowledged',
      20_000,
    );
    const text = await mta();
    assert.equal(sample(text, 'outpost_received_total{vmta="v1",domain="example.test"}'), 2);
    assert.equal(sample(text, 'outpost_delivered_total{vmta="v1",domain="example.test"}'), 2);
    assert.equal(sample(text, 'outpost_delivered_total{vmta="v1",domain="other.test"}'), 1);
    assert.equal(sample(text, 'outpost_connections{direction="out"}') !== undefined, true);
    assert.equal(sample(text, 'outpost_queues{state="all"}'), 2);
    assert.ok(
      (sample(text, 'outpost_spool_commit_seconds_count') ?? 0) >= 3,
      'one commit per message at least',
    );
    assert.equal(sample(text, 'outpost_spool_recipients'), 0);
    assert.equal(sample(text, 'outpost_signals_staged_total'), 6);
    assert.match(text, /^# TYPE outpost_delivered_total counter$/m);

    const unauthorized = await fetch(`${signals.url}/metrics`);
    assert.equal(unauthorized.status, 401);
    const signalsMetrics = async () =>
      (
        await fetch(`${signals.url}/metrics`, {
          headers: { authorization: `Basic ${Buffer.from(`${KEY}:`).toString('base64')}` },
        })
      ).text();
    await waitFor(
      async () => sample(await signalsMetrics(), 'outpost_signals_ingest_events_total') === 6,
      'six events stored',
    );
    const stext = await signalsMetrics();
    // The MTA counts a file once it is deleted after its last batch's 200, a moment after the
    // events themselves were counted, so the earlier scrape may not show it yet.
    await waitFor(
      async () =>
        sample(await mta(), 'outpost_signals_files_uploaded_total') ===
        sample(stext, 'outpost_signals_ingest_batches_total'),
      'each uploaded file counted as one ingested batch',
    );
    assert.ok(
      (sample(
        stext,
        'outpost_signals_http_request_duration_seconds_count{method="POST",route="/api/v1/ingest/events",status="200"}',
      ) ?? 0) >= 1,
    );
    signals.child.kill('SIGTERM');
  });
});
