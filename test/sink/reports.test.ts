// Out-of-band reports end to end: Outpost delivers to the sink, the sink sends a DSN to the
// envelope sender and an ARF complaint to the FBL address, back to Outpost's bounce/FBL listener,
// and Outpost's processors turn them into remote-bounce (out-of-band) and feedback (spam complaint)
// events about the right message and campaign.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { hasErrors, loadConfigText } from '../../src/config/index.js';
import type { OutpostEvent } from '../../src/events/index.js';
import { silentLogger } from '../../src/logging.js';
import { startOutpost } from '../../src/main.js';
import { freePort } from '../helpers/smtp-sink.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';
import { swaks } from '../smtp/helpers.js';
import { startSink } from './helpers.js';

async function startPair(t: import('node:test').TestContext) {
  const dir = tempDir(t);
  const outpostPort = await freePort();
  const { sink, errors } = await startSink(t, {
    reports: { smtp: `127.0.0.1:${outpostPort}`, 'fbl-address': 'fbl@fbl.sender.test', 'delay-ms': [10, 50] },
    rules: [
      { domains: ['bounce.test'], bounce: 1 },
      { domains: ['complain.test'], complaint: 1 },
      { domains: ['*'] },
    ],
  });
  const { config, diagnostics } = loadConfigText(
    `<outpost>\n data-dir ${dir}/data\n</outpost>\nhost-name mta.sender.test\nsmtp-listener 127.0.0.1:${outpostPort}\n` +
      'relay-domain bounces.sender.test\nrelay-domain fbl.sender.test\n' +
      '<rewrite-list mfrom>\n mail-from *@sender.test *@bounces.sender.test\n</rewrite-list>\n' +
      '<source 127.0.0.1>\n always-allow-relaying yes\n process-x-job yes\n default-virtual-mta pool1\n rewrite-list mfrom\n</source>\n' +
      '<virtual-mta v1>\n smtp-source-host 127.0.0.1 v1.sender.test\n</virtual-mta>\n<virtual-mta-pool pool1>\n virtual-mta v1\n</virtual-mta-pool>\n' +
      `<domain *>\n smtp-hosts [127.0.0.1]:${sink.port}\n</domain>\n` +
      '<bounce-processor>\n deliver-matched-email no\n deliver-unmatched-email no\n <address-list>\n  domain bounces.sender.test\n </address-list>\n</bounce-processor>\n' +
      '<feedback-loop-processor>\n deliver-matched-email no\n deliver-unmatched-email no\n <address-list>\n  domain fbl.sender.test\n </address-list>\n</feedback-loop-processor>\n',
    join(dir, 'outpost.config'),
  );
  assert.ok(!hasErrors(diagnostics), JSON.stringify(diagnostics.filter((d) => d.severity === 'error')));
  const runtime = await startOutpost(config, { log: silentLogger() });
  t.after(() => runtime.stop());
  const events: OutpostEvent[] = [];
  runtime.bus.subscribe((e) => events.push(e));
  return { sink, errors, events, outpostPort };
}

describe('sink reports to Outpost', () => {
  it('a DSN after acceptance becomes an out-of-band bounce, an ARF report a complaint', async (t) => {
    const { sink, errors, events, outpostPort } = await startPair(t);
    for (const [to, job] of [
      ['jane@bounce.test', 'spring-sale'],
      ['joe@complain.test', 'newsletter'],
      ['ann@quiet.test', 'newsletter'],
    ]) {
      const { code, out } = await swaks(outpostPort, [
        '--from',
        'news@sender.test',
        '--to',
        to!,
        '--add-header',
        `X-Job: ${job}`,
      ]);
      assert.equal(code, 0, out);
    }
    await waitFor(() => events.filter((e) => e.type === 'delivery').length === 3, 'three deliveries');
    await waitFor(
      () => events.some((e) => e.type === 'remote-bounce') && events.some((e) => e.type === 'feedback'),
      'the DSN and the ARF report processed by Outpost',
      15_000,
    );
    const delivered = (rcpt: string) => events.find((e) => e.type === 'delivery' && e.rcpt === rcpt)!;
    const oob = events.find((e) => e.type === 'remote-bounce')!;
    assert.equal(oob.rcpt, 'jane@bounce.test');
    assert.equal(oob.messageId, delivered('jane@bounce.test').messageId);
    assert.equal(oob.jobId, 'spring-sale');
    assert.equal(oob.vmta, 'v1');
    assert.ok(oob.dsnStatus?.startsWith('5.'), oob.dsnStatus);
    assert.ok(oob.bounceClass !== undefined && oob.bounceCat, JSON.stringify(oob));
    const fbl = events.find((e) => e.type === 'feedback')!;
    assert.equal(fbl.rcpt, 'joe@complain.test');
    assert.equal(fbl.messageId, delivered('joe@complain.test').messageId);
    assert.equal(fbl.jobId, 'newsletter');
    assert.equal(fbl.feedbackType, 'abuse');
    // Nothing about the quiet recipient, and each report came exactly once.
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(events.filter((e) => e.type === 'remote-bounce' || e.type === 'feedback').length, 2);
    const stats = sink.snapshot();
    assert.equal(stats.followups.dsnSent, 1);
    assert.equal(stats.followups.arfSent, 1);
    assert.deepEqual(errors, []);
  });
});
