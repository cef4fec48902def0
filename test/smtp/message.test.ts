// End-of-DATA processing: control headers, added headers, rewriting, what the envelope records.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfigText } from '../../src/config/index.js';
import { buildMessage, type SessionFacts, type TransactionFacts } from '../../src/smtp/message.js';
import { policyFrom } from '../../src/smtp/policy.js';
import type { Reply } from '../../src/smtp/replies.js';

const CONFIG = `
host-name mta.example.net
<source 0/0>
    process-x-job yes
    process-x-virtual-mta yes
    process-x-envid yes
    add-message-id-header yes
    remove-header X-Mailer,X-Internal
    max-message-hops 3
    rewrite-list rw
    jobid-prefix acme-
</source>
<source 10.0.0.0/8>
    hide-message-source yes
    process-x-job no
    jobid-header X-Campaign
    default-virtual-mta by-smtp-source-ip
    reject-invalid-virtual-mta no
    add-date-header override
    retain-x-virtual-mta yes
</source>
invalid-virtual-mta-fallback pool1
<rewrite-list rw>
    mail-from bounce@* <>
    mail-from *@example.com *@bounces.example.com
    mail-from admin@* root@*
</rewrite-list>
<virtual-mta v1>
    smtp-source-host 192.0.2.10 v1.example.net
</virtual-mta>
<virtual-mta-pool pool1>
    virtual-mta v1
</virtual-mta-pool>
`;
const { config } = loadConfigText(CONFIG);
const policy = policyFrom(config);
const session = (ip = '192.0.2.1', localIp = '192.0.2.10'): SessionFacts => ({
  helo: 'client.example',
  esmtp: true,
  clientIp: ip,
  localIp,
  listener: '192.0.2.10:25',
});
const tx = (mailFrom = 'news@example.com'): TransactionFacts => ({
  mailFrom,
  smtpUtf8: false,
  recipients: [{ address: 'r@example.org' }],
});
const ids = {
  id: '01234567890ab',
  messageId: '00001234567890abcdef',
  now: Date.UTC(2026, 10, 28, 12),
  version: '1',
};

function build(headers: string, options: { ip?: string; mailFrom?: string } = {}) {
  const ip = options.ip ?? '192.0.2.1';
  const raw = Buffer.from(`${headers}\r\n\r\nbody\r\n`);
  return buildMessage(policy, policy.settingsFor(ip, undefined), session(ip), tx(options.mailFrom), raw, ids);
}
const ok = (result: ReturnType<typeof build>) => {
  assert.ok(!('code' in result), JSON.stringify(result));
  return result as Exclude<ReturnType<typeof build>, Reply>;
};

describe('message building', () => {
  it('consumes X-Job, X-Virtual-MTA and X-Envid, removes listed headers, adds Received and Message-ID', () => {
    const { envelope, body, headers } = ok(
      build(
        'From: "News" <news@example.com>\r\nSubject: =?utf-8?B?SGVsbMO2?=\r\nX-Job: spring\r\nX-Virtual-MTA: v1\r\nX-Envid: env-9\r\nX-Mailer: x\r\nx-internal: y',
      ),
    );
    assert.equal(envelope.jobId, 'acme-spring');
    assert.equal(envelope.virtualMta, 'v1');
    assert.equal(envelope.virtualMtaKind, 'vmta');
    assert.equal(envelope.envId, 'env-9');
    assert.equal(envelope.subject, 'Hellö');
    assert.equal(envelope.headerFrom, 'news@example.com');
    assert.equal(envelope.mailFrom, 'news@bounces.example.com');
    assert.equal(envelope.size, body.length);
    assert.equal(
      body.toString(),
      'Received: from client.example (192.0.2.1)\r\n\tby mta.example.net (Outpost v1) with ESMTP\r\n\t' +
        'id 01234567890ab for <r@example.org>; Sat, 28 Nov 2026 12:00:00 +0000\r\n\t(envelope-from <news@example.com>)\r\n' +
        'From: "News" <news@example.com>\r\nSubject: =?utf-8?B?SGVsbMO2?=\r\n' +
        'Message-ID: <01234567890ab.00001234567890abcdef@mta.example.net>\r\n\r\nbody\r\n',
    );
    assert.equal(headers.length, 7, 'events see the headers as received');
  });

  it('refuses a bad X-Job, two X-Jobs, an unknown X-Virtual-MTA and too many hops', () => {
    assert.deepEqual(build('X-Job: two words'), {
      code: 554,
      lines: ['5.6.0 X-Job contains white space or control characters'],
    });
    assert.deepEqual(build('X-Job: a\r\nX-Job: b'), {
      code: 554,
      lines: ['5.6.0 more than one X-Job header'],
    });
    assert.deepEqual(build('X-Virtual-MTA: nope'), {
      code: 550,
      lines: ['5.3.5 specified VirtualMTA "nope" does not exist'],
    });
    assert.deepEqual(build('Received: a\r\nReceived: b\r\nReceived: c\r\nReceived: d'), {
      code: 554,
      lines: ['5.4.6 too many hops (Received headers)'],
    });
  });

  it('applies rewrite-list rules in order, including to the null sender', () => {
    assert.equal(ok(build('Subject: x', { mailFrom: 'bounce@anything.org' })).envelope.mailFrom, '');
    assert.equal(
      ok(build('Subject: x', { mailFrom: 'Admin@Other.org' })).envelope.mailFrom,
      'root@Other.org',
    );
    assert.equal(
      ok(build('Subject: x', { mailFrom: 'someone@other.org' })).envelope.mailFrom,
      'someone@other.org',
    );
  });

  it('follows the more specific source: hidden source, jobid-header, fallback and by-smtp-source-ip', () => {
    const { envelope, body } = ok(
      build('X-Campaign: c-7\r\nX-Virtual-MTA: nope\r\nDate: old', { ip: '10.1.2.3' }),
    );
    assert.equal(envelope.jobId, 'acme-c-7', 'jobid-header, with the prefix inherited from 0/0');
    assert.equal(envelope.virtualMta, 'pool1', 'invalid-virtual-mta-fallback');
    assert.match(body.toString(), /^Received: by mta\.example\.net/);
    assert.match(body.toString(), /^X-Virtual-MTA: nope\r$/m, 'retained');
    assert.match(body.toString(), /^Date: Sat, 28 Nov 2026 12:00:00 \+0000\r$/m);
    assert.doesNotMatch(body.toString(), /Date: old/);
    const noHeader = ok(build('Subject: x', { ip: '10.1.2.3' }));
    assert.equal(noHeader.envelope.virtualMta, 'v1', 'by-smtp-source-ip picks the VMTA owning 192.0.2.10');
  });
});
