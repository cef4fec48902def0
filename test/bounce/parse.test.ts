import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PatternFileError, parsePatternFile } from '../../src/bounce/email-patterns.js';
import { reportToEvents } from '../../src/bounce/events.js';
import { ReportParseError } from '../../src/bounce/mime.js';
import { decodeRef, decodeVerp, encodeRef, matchOriginal } from '../../src/bounce/original.js';
import { parseReport } from '../../src/bounce/parse.js';
import { processorOptions } from '../../src/bounce/processor-options.js';
import { loadConfigFile, loadConfigText } from '../../src/config/index.js';
import { runCli } from '../helpers/cli.js';
import { tempDir, writeFiles } from '../helpers/tmp.js';

const fixture = (name: string) =>
  readFileSync(fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url)));
const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

describe('original-message matching', () => {
  it("decodes PowerMTA's VERP form, with known prefixes for local parts holding dashes", () => {
    assert.deepEqual(decodeVerp('bounce-jdoe=yahoo.com@bounces.example'), {
      prefix: 'bounce',
      recipient: 'jdoe@yahoo.com',
    });
    assert.deepEqual(decodeVerp('AA-D=1181.com@bounce.bar.com'), { prefix: 'AA', recipient: 'D@1181.com' });
    assert.deepEqual(decodeVerp('my-bounce-mary-ann=ex.org@b.example', ['my-bounce']), {
      prefix: 'my-bounce',
      recipient: 'mary-ann@ex.org',
    });
    for (const plain of [
      'bounce@b.example',
      'a=b@c.example',
      'bounce-x=notadomain@b.example',
      '-x=y.org@b.example',
    ]) {
      assert.equal(decodeVerp(plain), undefined, plain);
    }
  });

  it('round-trips X-Outpost-Ref values, job ids with separators included, and skips garbage', () => {
    const ref = {
      messageId: '0000a1b2c3d4e5f60718',
      jobId: 'Spring; sale=50%',
      vmta: 'vmta1',
      pool: 'p',
      subaccountId: 7,
    };
    assert.deepEqual(decodeRef(encodeRef(ref)), ref);
    assert.deepEqual(decodeRef('m=abc; x=1; s=notanumber; j=%E0%A4%A; v='), { messageId: 'abc' });
  });

  it('prefers X-Outpost-Ref over X-Job and X-Virtual-MTA, and reads the custom message-id header', () => {
    const headers: Array<[string, string]> = [
      ['X-Job', 'old-job'],
      ['X-Virtual-MTA', 'vmta-old'],
      ['X-SP-Subaccount-ID', '55'],
      ['X-Sp-Message-Id', 'custom-123'],
      ['X-Outpost-Ref', 'j=new-job; p=pool-b'],
      ['Return-Path', '<bounce-who=where.example@b.example>'],
    ];
    const o = matchOriginal(headers, undefined, { customMessageIdHeader: 'x-sp-message-id' });
    assert.equal(o.jobId, 'new-job');
    assert.equal(o.vmta, 'vmta-old');
    assert.equal(o.pool, 'pool-b');
    assert.equal(o.subaccountId, 55);
    assert.equal(o.messageId, 'custom-123');
    assert.equal(o.verpRecipient, 'who@where.example');
  });
});

describe('parseReport', () => {
  it('refuses input that is no message, and calls a message that is no report unrecognized', async () => {
    await assert.rejects(parseReport(Buffer.alloc(0)), ReportParseError);
    await assert.rejects(parseReport(Buffer.from('no header here\n')), ReportParseError);
    const plain = await parseReport(Buffer.from('From: a@b.example\r\nSubject: hi\r\n\r\nhello\r\n'));
    assert.equal(plain.kind, 'unrecognized');
    assert.deepEqual(reportToEvents(plain), []);
  });

  it('uses the envelope recipient the processor knows over the headers', async () => {
    const report = await parseReport(fixture('dsn/dsn-no-original-verp-only.eml'), {
      sentTo: 'bounce-other=else.example@bounces.outpost.test',
    });
    assert.equal(report.sentTo, 'bounce-other=else.example@bounces.outpost.test');
    assert.equal(report.original.verpRecipient, 'other@else.example');
  });
});

describe('reportToEvents', () => {
  it('makes one remote-bounce per failed recipient with the rb fields and the original ids', async () => {
    const events = reportToEvents(await parseReport(fixture('dsn/postfix-multi-recipient.eml')), {
      now: 1000,
    });
    assert.equal(events.length, 3);
    const unknown = events.find((e) => e.rcpt === 'user-unknown@remote.test')!;
    assert.equal(unknown.type, 'remote-bounce');
    assert.equal(unknown.timeLogged, 1000);
    assert.equal(unknown.orig, 'bounce-user-unknown=remote.test@bounces.outpost.test');
    assert.equal(unknown.orcpt, 'User-Unknown@Remote.test');
    assert.equal(unknown.dsnStatus, '5.1.1 (bad destination mailbox address)');
    assert.match(unknown.dsnDiag!, /^smtp;550 5\.1\.1 /);
    assert.equal(unknown.dsnReportingMta, 'mx1.fixture.test');
    assert.equal(unknown.bounceCat, 'bad-mailbox');
    assert.equal(unknown.bounceClass, 10);
    assert.equal(unknown.format, 'dsn');
    assert.deepEqual(
      [unknown.messageId, unknown.jobId, unknown.vmta, unknown.vmtaPool, unknown.subaccountId],
      ['000065f0a00e00abc00e', 'spring-2025', 'vmta-3', 'pool-a', 101],
    );
    assert.ok(unknown.headers?.some(([n]) => n === 'X-Outpost-Ref'));
  });

  it('splits a mixed DSN into remote-bounce and remote-status records', async () => {
    const events = reportToEvents(await parseReport(fixture('dsn/rfc3464-2.eml')));
    assert.deepEqual(
      events.map((e) => [e.type, e.dsnAction]),
      [
        ['remote-bounce', 'failed'],
        ['remote-status', 'delayed'],
        ['remote-bounce', 'failed'],
      ],
    );
    // Nothing ties this RFC example to a message of ours: the ids stay empty, the report is kept.
    assert.equal(events[0]!.messageId, '');
  });

  it('makes remote-status records for delay and success reports', async () => {
    const [delay] = reportToEvents(await parseReport(fixture('dsn/postfix-delayed.eml')));
    assert.equal(delay!.type, 'remote-status');
    assert.equal(delay!.envId, 'ENV-DELAY-1');
    const [ok] = reportToEvents(await parseReport(fixture('dsn/postfix-success-relayed.eml')));
    assert.deepEqual([ok!.type, ok!.dsnAction, ok!.bounceCat], ['remote-status', 'relayed', 'success']);
  });

  it('makes feedback records with the f fields, one per recipient, and one for a redacted report', async () => {
    const events = reportToEvents(await parseReport(fixture('arf/arf-two-recipients.eml')), {
      repSourceIp: '127.0.0.1',
    });
    assert.deepEqual(
      events.map((e) => e.rcpt),
      ['first@isp.example', 'second@isp.example'],
    );
    const [f] = events;
    assert.deepEqual(
      [f!.type, f!.feedbackType, f!.userAgent, f!.dlvSourceIp, f!.reportedDomain, f!.repSourceIp, f!.format],
      ['feedback', 'abuse', 'ISP-FBL/3.1', '2001:db8::25', 'shop.outpost.test', '127.0.0.1', 'arf'],
    );
    assert.deepEqual(f!.arf?.['original-rcpt-to'], ['<first@isp.example>', '<second@isp.example>']);
    assert.equal(f!.jobId, 'spring-2025');
    const redacted = reportToEvents(await parseReport(fixture('arf/rfc5965-1.eml')));
    assert.deepEqual(
      redacted.map((e) => [e.type, e.rcpt]),
      [['feedback', '']],
    );
  });

  it('takes the JMRP recipient from X-HmXmrOriginalRecipient', async () => {
    const [f] = reportToEvents(await parseReport(fixture('arf/jmrp-hotmail.eml')));
    assert.deepEqual([f!.rcpt, f!.format, f!.dlvSourceIp], ['victim@hotmail.example', 'jmrp', '192.0.2.11']);
  });
});

describe('body-pattern files', () => {
  it('reports bad files with their line, and files that can find no recipient', () => {
    assert.throws(
      () => parsePatternFile('# c\n/ok (?P<r>\\S+)/\n/(/\n', 'f'),
      /f:3: invalid regular expression/,
    );
    assert.throws(() => parsePatternFile('/(?P<diag>.*)/\n', 'f'), /no pattern has an r or rcpt group/);
    assert.throws(() => parsePatternFile('# only comments\n', 'f'), PatternFileError);
  });

  it('are read from the configuration relative to it, with the bounce categories', async (t) => {
    const dir = tempDir(t);
    writeFiles(dir, {
      'patterns/acme.txt': readFileSync(`${FIXTURES}patterns/acme-bounce.txt`, 'utf8'),
      'outpost.config': [
        '<bounce-processor>',
        '  <address-list>',
        '    domain bounces.outpost.test',
        '  </address-list>',
        '  <email-patterns>',
        '    body-pattern-file patterns/acme.txt',
        '  </email-patterns>',
        '</bounce-processor>',
        '<bounce-category-patterns>',
        '  /account closed/ inactive-mailbox',
        '</bounce-category-patterns>',
      ].join('\n'),
    });
    const { config, diagnostics } = loadConfigFile(`${dir}/outpost.config`);
    assert.ok(!diagnostics.some((d) => /body-pattern-file/.test(d.message)), 'body-pattern-file is acted on');
    const report = await parseReport(fixture('dsn/acme-custom-bounce.eml'), processorOptions(config));
    assert.equal(report.format, 'acme');
    assert.deepEqual(
      report.recipients.map((r) => [r.address, r.action, r.category]),
      [['wile@acme.example', 'failed', 'inactive-mailbox']],
    );
    assert.throws(
      () =>
        processorOptions(
          loadConfigText(
            '<bounce-processor>\n<email-patterns>\nbody-pattern-file /nonexistent/x.txt\n</email-patterns>\n</bounce-processor>\n',
          ).config,
        ),
      /cannot read body-pattern-file/,
    );
  });
});

describe('outpost bounce parse', () => {
  it('prints the parse as JSON, or the events with --events', () => {
    const file = `${FIXTURES}dsn/postfix-remote-gmail-style.eml`;
    const parsed = runCli(['bounce', 'parse', file]);
    assert.equal(parsed.status, 0, parsed.stderr);
    const json = JSON.parse(parsed.stdout);
    assert.equal(json.kind, 'dsn');
    assert.equal(json.recipients[0].category, 'bad-mailbox');
    assert.equal(json.recipients[0].bounceClass.code, 10);
    const events = JSON.parse(runCli(['bounce', 'parse', '--events', file]).stdout);
    assert.equal(events[0].type, 'remote-bounce');
    assert.equal(events[0].jobId, 'spring-2025');
  });

  it('fails clearly on a missing file or a file that is no message', (t) => {
    const missing = runCli(['bounce', 'parse', '/nonexistent/report.eml']);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /ENOENT|no such file/i);
    const dir = tempDir(t);
    writeFiles(dir, { 'empty.eml': '' });
    const empty = runCli(['bounce', 'parse', `${dir}/empty.eml`]);
    assert.equal(empty.status, 1);
    assert.match(empty.stderr, /empty message/);
  });
});
