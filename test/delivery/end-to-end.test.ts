// The MTA end to end, wired exactly as `outpost start` wires it: swaks injects over SMTP, the
// message is spooled, queued and delivered through a VirtualMTA to Postfix's smtp-sink, DKIM-signed,
// and the outcome is in the accounting file.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { dkimKey, startRuntime as start } from '../helpers/outpost.js';
import { startSmtpSink } from '../helpers/smtp-sink.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

const exec = promisify(execFile);

function configFor(dir: string, sinkPort: number, extra = ''): string {
  return `
<outpost>
  data-dir ${dir}/data
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
<acct-file ${dir}/acct/acct.csv>
  records r,d,b
</acct-file>
${extra}`;
}

async function inject(port: number, to: string, job: string): Promise<void> {
  await exec('swaks', [
    '--server',
    `127.0.0.1:${port}`,
    '--from',
    'news@sender.test',
    '--to',
    to,
    '--h-From',
    'News <news@sender.test>',
    '--h-Subject',
    `Hello ${to}`,
    '--add-header',
    `X-Job: ${job}`,
  ]);
}

describe('MTA end to end (swaks → Outpost → smtp-sink)', () => {
  it('delivers signed mail through the VirtualMTA and writes r and d accounting records', async (t) => {
    const dir = tempDir(t);
    const txt = dkimKey(dir);
    const sink = await startSmtpSink(t);
    const { port, events } = await start(t, configFor(dir, sink.port), dir);
    for (let i = 0; i < 3; i++) await inject(port, `user${i}@example.test`, 'autumn-sale');
    // smtp-sink has written a message once it answered the final dot, which the delivery event follows.
    await waitFor(() => events.filter((e) => e.type === 'delivery').length === 3, 'three delivery events');
    assert.equal(sink.messages().length, 3);

    for (const message of sink.messages()) {
      assert.match(message, /^X-Client-Addr: 127\.0\.0\.2$/m, 'sent from the VirtualMTA address');
      assert.match(message, /^X-Helo-Args: v1\.sender\.test$/m);
      assert.doesNotMatch(message, /^X-Job:/im, 'X-Job is consumed, not delivered');
      const body = Buffer.from(message.slice(message.indexOf('DKIM-Signature:')).replace(/\r?\n/g, '\r\n'));
      const result = await dkimVerify(body, { resolver: async () => [[txt]] });
      assert.equal(result.results[0]?.status.result, 'pass', JSON.stringify(result.results[0]?.status));
    }
    const delivery = events.find((e) => e.type === 'delivery')!;
    assert.equal(delivery.jobId, 'autumn-sale');
    assert.equal(delivery.vmtaPool, 'pool1');
    assert.equal(delivery.queue, 'example.test/v1');

    const [acctFile] = readdirSync(join(dir, 'acct'));
    const lines = readFileSync(join(dir, 'acct', acctFile!), 'utf8')
      .trim()
      .split('\r\n');
    const types = lines.slice(1).map((l) => l.split(',')[0]);
    assert.deepEqual(types.filter((x) => x === 'r').length, 3);
    await waitFor(
      () =>
        readFileSync(join(dir, 'acct', acctFile!), 'utf8')
          .trim()
          .split('\r\n')
          .filter((l) => l.startsWith('d,')).length === 3,
      'three d records',
    );
  });

  it('keeps undeliverable mail across a restart and delivers it once the MX is back', async (t) => {
    const dir = tempDir(t);
    dkimKey(dir);
    const sink = await startSmtpSink(t);
    const down = configFor(
      dir,
      1,
      '<domain later.test>\nsmtp-hosts [127.0.0.1]:1\nretry-after 1h\n</domain>\n',
    );
    const first = await start(t, down, dir);
    await inject(first.port, 'held@later.test', 'j1');
    await waitFor(() => first.events.some((e) => e.type === 'transient-queue'), 'a failed attempt');
    await first.runtime.stop();
    const second = await start(t, configFor(dir, sink.port), dir);
    await waitFor(() => second.events.some((e) => e.type === 'delivery'), 'the recovered message delivered');
    assert.equal(sink.messages().length, 1);
    assert.match(sink.messages()[0]!, /^X-Rcpt-Args: <held@later\.test>/m);
  });
});
