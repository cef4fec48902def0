// The processors end to end: Outpost delivers a campaign message, then a remote DSN and an ARF
// complaint about it arrive over SMTP at the bounce and FBL domains. They become out-of-band and
// spam-complaint events carrying the original campaign, VirtualMTA and pool, and are consumed.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { SpoolService } from '../../src/spool/service.js';
import { startRuntime } from '../helpers/outpost.js';
import { ScriptedSmtpServer } from '../helpers/smtp-receiver.js';
import { startSmtpSink } from '../helpers/smtp-sink.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

const exec = promisify(execFile);

function dsnAbout(original: string, rcpt: string): string {
  const headers = original
    .slice(original.indexOf('\nReceived:') + 1, original.indexOf('\n\n'))
    .replace(/\r?\n/g, '\r\n');
  return [
    'From: MAILER-DAEMON@mx.example.test',
    'To: bounces@bounces.sender.test',
    'Subject: Undelivered Mail Returned to Sender',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain',
    '',
    'I could not deliver your message.',
    '--b1',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.example.test',
    '',
    `Final-Recipient: rfc822; ${rcpt}`,
    'Action: failed',
    'Status: 5.1.1',
    'Diagnostic-Code: smtp; 550 5.1.1 <' + rcpt + '>: Recipient address rejected: User unknown',
    '',
    '--b1',
    'Content-Type: text/rfc822-headers',
    '',
    headers,
    '--b1--',
    '',
  ].join('\r\n');
}

function arfAbout(original: string, rcpt: string): string {
  const headers = original
    .slice(original.indexOf('\nReceived:') + 1, original.indexOf('\n\n'))
    .replace(/\r?\n/g, '\r\n');
  return [
    'From: feedback@isp.example.test',
    'To: fbl@fbl.sender.test',
    'Subject: complaint',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=feedback-report; boundary="f1"',
    '',
    '--f1',
    'Content-Type: text/plain',
    '',
    'This is an abuse report.',
    '--f1',
    'Content-Type: message/feedback-report',
    '',
    'Feedback-Type: abuse',
    'User-Agent: ExampleFBL/1.0',
    'Version: 1',
    'Source-IP: 127.0.0.2',
    `Original-Rcpt-To: ${rcpt}`,
    'Reported-Domain: sender.test',
    '',
    '--f1',
    'Content-Type: text/rfc822-headers',
    '',
    headers,
    '--f1--',
    '',
  ].join('\r\n');
}

describe('bounce and feedback-loop processors over SMTP', () => {
  it('turns a DSN and an ARF report into events with the original campaign, and consumes them', async (t) => {
    const dir = tempDir(t);
    const sink = await startSmtpSink(t);
    const { port, events } = await startRuntime(
      t,
      `<outpost>\n data-dir ${dir}/data\n</outpost>\nhost-name mta.sender.test\nsmtp-listener 127.0.0.1:0\n` +
        'relay-domain bounces.sender.test\nrelay-domain fbl.sender.test\n' +
        '<source 127.0.0.1>\n always-allow-relaying yes\n process-x-job yes\n default-virtual-mta pool1\n</source>\n' +
        '<virtual-mta v1>\n smtp-source-host 127.0.0.2 v1.sender.test\n</virtual-mta>\n<virtual-mta-pool pool1>\n virtual-mta v1\n</virtual-mta-pool>\n' +
        `<domain *>\n smtp-hosts [127.0.0.1]:${sink.port}\n</domain>\n` +
        '<bounce-processor>\n deliver-matched-email no\n deliver-unmatched-email no\n <address-list>\n  domain bounces.sender.test\n </address-list>\n</bounce-processor>\n' +
        '<feedback-loop-processor>\n deliver-matched-email no\n <address-list>\n  domain fbl.sender.test\n </address-list>\n</feedback-loop-processor>\n',
      dir,
    );

    await exec('swaks', [
      '--server',
      `127.0.0.1:${port}`,
      '--from',
      'news@sender.test',
      '--to',
      'jane@example.test',
      '--add-header',
      'X-Job: fall-campaign',
    ]);
    await waitFor(() => events.some((e) => e.type === 'delivery'), 'its delivery event');
    const delivered = events.find((e) => e.type === 'delivery')!;
    const original = sink.messages()[0]!;

    for (const [to, text] of [
      ['bounces@bounces.sender.test', dsnAbout(original, 'jane@example.test')],
      ['fbl@fbl.sender.test', arfAbout(original, 'jane@example.test')],
    ] as const) {
      const file = join(dir, `${to}.eml`);
      writeFileSync(file, text);
      await exec('swaks', [
        '--server',
        `127.0.0.1:${port}`,
        '--from',
        '<>',
        '--to',
        to,
        '--data',
        `@${file}`,
      ]);
    }
    await waitFor(
      () => events.some((e) => e.type === 'remote-bounce') && events.some((e) => e.type === 'feedback'),
      'both reports',
    );
    const oob = events.find((e) => e.type === 'remote-bounce')!;
    const fbl = events.find((e) => e.type === 'feedback')!;
    for (const event of [oob, fbl]) {
      assert.equal(event.messageId, delivered.messageId);
      assert.equal(event.jobId, 'fall-campaign');
      assert.equal(event.vmta, 'v1');
      assert.equal(event.vmtaPool, 'pool1');
      assert.equal(event.rcpt, 'jane@example.test');
    }
    assert.equal(oob.bounceCat, 'bad-mailbox');
    assert.equal(oob.bounceClass, 10);
    assert.equal(fbl.feedbackType, 'abuse');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(sink.messages().length, 1, 'reports are consumed, never delivered onwards');
    assert.ok(
      !events.some((e) => e.type === 'delivery' && e.rcpt.includes('sender.test')),
      'no delivery attempt for the reports',
    );
  });

  it('sends no DSN to its own bounce processor: the bounce is recorded once', async (t) => {
    const dir = tempDir(t);
    const mx = await new ScriptedSmtpServer({ rcpt: () => '550 5.1.1 no such user' }).start();
    t.after(() => mx.stop());
    const { runtime, port, events } = await startRuntime(
      t,
      `<outpost>\n data-dir ${dir}/data\n</outpost>\nhost-name mta.sender.test\nsmtp-listener 127.0.0.1:0\n` +
        '<source 127.0.0.1>\n always-allow-relaying yes\n</source>\n' +
        `<domain *>\n smtp-hosts [127.0.0.1]:${mx.port}\n</domain>\n` +
        '<bounce-processor>\n <address-list>\n  domain bounces.sender.test\n </address-list>\n</bounce-processor>\n',
      dir,
    );
    const spool = runtime.services.find((s) => s.name === 'spool') as SpoolService;

    // The seed's rewrite-list puts the bounce domain in the return path, as here.
    await exec('swaks', [
      '--server',
      `127.0.0.1:${port}`,
      '--from',
      'news@bounces.sender.test',
      '--to',
      'gone@example.test',
    ]);
    await waitFor(() => events.some((e) => e.type === 'bounce'), 'the bounce');
    await waitFor(() => spool.spool.stats().messages === 0, 'an empty spool');
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(
      events.map((e) => e.type),
      ['reception', 'bounce'],
      'no DSN is spooled, delivered or processed as a remote bounce',
    );
    assert.equal(mx.messages.length, 0);
  });
});
