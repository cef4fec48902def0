// Engagement tracking end to end, wired as `outpost start` wires it: swaks injects an HTML message
// for two recipients, the MTA rewrites it per recipient and DKIM-signs it, Postfix's smtp-sink
// receives two copies; the test reads the links out of what arrived, fetches the pixels and links
// from the Signals server in the same process, and finds initial_open, open and click events for
// the right recipient, campaign and URL in its store.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { simpleParser } from 'mailparser';
import { hasErrors, loadConfigText } from '../../src/config/index.js';
import { silentLogger } from '../../src/logging.js';
import { startOutpost } from '../../src/main.js';
import type { SignalsServer } from '../../src/signals/service.js';
import type { Condition } from '../../src/signals/store/query.js';
import type { SmtpService } from '../../src/smtp/service.js';
import { TrackingKeyring } from '../../src/tracking/token.js';
import { TestDnsServer } from '../helpers/dns-server.js';
import { dkimKey } from '../helpers/outpost.js';
import { freePort, startSmtpSink } from '../helpers/smtp-sink.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

const exec = promisify(execFile);
const KEY = 'tracking-e2e-key-0000000001';
const RECIPIENTS = ['alice@corp.example', 'bob@corp.example'];
const TEXT = 'Spring deals: https://shop.example.com/deals\r\n';
const HTML_QP = [
  '<html><head><title>Spring</title></head><body><p>Hello, <a href=3D"https://shop.example.com/deals?=',
  'utm=3Dmail&amp;id=3D7">see the deals</a>.</p>',
  '<p><a href=3D"mailto:help@shop.example.com">help</a> <a data-msys-clicktrack=3D"0" href=3D"https://sh=',
  'op.example.com/account">account</a></p></body></html>',
].join('\r\n');

const MESSAGE = [
  'From: Shop <news@sender.test>',
  'To: customers@corp.example',
  'Subject: Spring deals',
  'X-Job: spring-sale',
  'List-Unsubscribe: <https://shop.example.com/unsubscribe?u=1>',
  'MIME-Version: 1.0',
  'Content-Type: multipart/alternative; boundary="alt"',
  '',
  '--alt',
  'Content-Type: text/plain; charset=utf-8',
  '',
  TEXT,
  '--alt',
  'Content-Type: text/html; charset=utf-8',
  'Content-Transfer-Encoding: quoted-printable',
  '',
  HTML_QP,
  '--alt--',
  '',
].join('\r\n');

function config(dir: string, sinkPort: number, signalsPort: number, dns: string): string {
  return `
<outpost>
  data-dir ${dir}/data
  dns-server ${dns}
  signals-upload-interval 1s
</outpost>
host-name mta.sender.test
smtp-listener 127.0.0.1:0
<source 127.0.0.1>
  always-allow-relaying yes
  process-x-job yes
  default-virtual-mta pool1
</source>
domain-key s1,sender.test,${dir}/dkim.pem
<virtual-mta v1>
  smtp-source-host 127.0.0.2 v1.sender.test
</virtual-mta>
<virtual-mta-pool pool1>
  virtual-mta v1
</virtual-mta-pool>
<domain *>
  smtp-hosts [127.0.0.1]:${sinkPort}
  dkim-sign yes
</domain>
<signals-server>
  listen 127.0.0.1:${signalsPort}
  api-key ${KEY} all
  customer-id 42
</signals-server>
<signals>
  api-key ${KEY}
  upload-url http://127.0.0.1:${signalsPort}/api/v1/ingest/events
  engagement-tracking sparkpost
</signals>
`;
}

describe('engagement tracking end to end (swaks → Outpost → smtp-sink → Signals)', () => {
  it('tracks each recipient, keeps DKIM valid, and stores the three event types', async (t) => {
    const dir = tempDir(t);
    const txt = dkimKey(dir);
    const dns = await new TestDnsServer({
      'corp.example': { MX: [{ priority: 10, exchange: 'aspmx.l.google.com' }] },
    }).start();
    t.after(() => dns.stop());
    const sink = await startSmtpSink(t);
    const signalsPort = await freePort();
    const { config: loaded, diagnostics } = loadConfigText(
      config(dir, sink.port, signalsPort, dns.address),
      join(dir, 'outpost.config'),
    );
    assert.ok(!hasErrors(diagnostics), JSON.stringify(diagnostics.filter((d) => d.severity === 'error')));
    assert.ok(
      !diagnostics.some((d) => /engagement-tracking|tracking/.test(d.message)),
      'tracking directives are acted on',
    );
    const runtime = await startOutpost(loaded, { log: silentLogger() });
    t.after(() => runtime.stop());
    const smtp = runtime.services.find((s) => s.name === 'smtp') as SmtpService;
    const signals = runtime.services.find((s) => s.name === 'signals') as SignalsServer;
    writeFileSync(join(dir, 'message.eml'), MESSAGE);
    await exec('swaks', [
      ...['--server', `127.0.0.1:${smtp.addresses()[0]!.port}`, '--from', 'news@sender.test'],
      ...['--to', RECIPIENTS.join(','), '--data', join(dir, 'message.eml')],
    ]);

    // smtp-sink creates its dump file first and fills it as the data arrives: wait for whole copies.
    const complete = (count: number) => {
      const messages = sink.messages();
      return messages.length === count && messages.every((m) => /^--alt--$|^Plain text/m.test(m));
    };
    await waitFor(() => complete(2), 'one copy per recipient at the sink');
    const keyring = new TrackingKeyring<string>().add(KEY, 'mta');
    const urls: string[] = [];
    for (const copy of sink.messages()) {
      const rcpt = /^X-Rcpt-Args: <([^>]+)>$/m.exec(copy)?.[1];
      assert.ok(rcpt && RECIPIENTS.includes(rcpt), 'one recipient per transaction');
      const signed = Buffer.from(copy.slice(copy.indexOf('DKIM-Signature:')).replace(/\r?\n/g, '\r\n'));
      const dkim = await dkimVerify(signed, { resolver: async () => [[txt]] });
      assert.equal(dkim.results[0]?.status.result, 'pass', 'DKIM verifies after the rewrite');
      const mail = await simpleParser(signed);
      assert.equal(mail.text, TEXT.replace(/\r\n/g, '\n'), 'text part untouched');
      assert.match(
        signed.toString(),
        /^List-Unsubscribe: <https:\/\/shop\.example\.com\/unsubscribe\?u=1>$/m,
      );
      const html = String(mail.html);
      assert.match(html, /href="mailto:help@shop\.example\.com"/);
      assert.match(
        html,
        /<a href="https:\/\/shop\.example\.com\/account">/,
        'clicktrack=0 left, attribute gone',
      );
      const found = [...html.matchAll(/(?:src|href)="(http:\/\/127\.0\.0\.1:\d+\/[oc]\/([A-Za-z0-9_-]+))"/g)];
      assert.equal(found.length, 3, 'two pixels and one wrapped link');
      for (const [, url, token] of found) {
        assert.equal(keyring.verify(token!)?.rcpt, rcpt, 'the copy carries its own recipient');
        urls.push(url!);
      }
    }
    // The reception event reaches the server through the connector's upload first, as in real life.
    const injected: Condition = { column: 'type', in: ['injection'] };
    await waitFor(async () => (await signals.store!.count(injected)) === 2, 'the injection uploaded', 20_000);

    for (const url of urls) {
      const response = await fetch(url, { redirect: 'manual' });
      assert.ok(response.status === 200 || response.status === 302, `${url}: ${response.status}`);
      if (response.status === 302)
        assert.equal(response.headers.get('location'), 'https://shop.example.com/deals?utm=mail&id=7');
    }
    await signals.tracking!.flush();
    const events = await signals.store!.search({
      where: { column: 'type', in: ['initial_open', 'open', 'click'] },
      limit: 100,
    });
    assert.deepEqual(
      events.map((e) => `${e.rcpt_to} ${e.type}`).sort(),
      RECIPIENTS.flatMap((r) => [`${r} click`, `${r} initial_open`, `${r} open`]),
    );
    // A message with nothing to track still goes to both recipients in one transaction, untouched.
    await exec('swaks', [
      ...['--server', `127.0.0.1:${smtp.addresses()[0]!.port}`, '--from', 'news@sender.test'],
      ...['--to', RECIPIENTS.join(','), '--body', 'Plain text, https://shop.example.com/plain'],
    ]);
    await waitFor(() => complete(3), 'the plain message at the sink');
    const plain = sink.messages().find((m) => m.includes('Plain text'))!;
    assert.equal(plain.match(/^X-Rcpt-Args: /gm)?.length, 2);
    assert.match(plain, /^Plain text, https:\/\/shop\.example\.com\/plain/m);

    for (const event of events) {
      assert.equal(event.campaign_id, 'spring-sale', 'campaign from the injection');
      assert.equal(event.subject, 'Spring deals');
      assert.equal(event.customer_id, 42);
      assert.equal(event.mailbox_provider, 'Google Apps');
      if (event.type === 'click')
        assert.equal(event.target_link_url, 'https://shop.example.com/deals?utm=mail&id=7');
    }
  });
});
