import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classify, parseReply, ReplyError, statusText } from '../../src/bounce/index.js';
import { loadConfigText } from '../../src/config/index.js';
import { runCli } from '../helpers/cli.js';
import { tempDir, writeFiles } from '../helpers/tmp.js';

const of = (line: string) => {
  const c = classify(parseReply(line));
  return [c.category, c.bounceClass?.code, c.outcome];
};

describe('parseReply', () => {
  it('splits code, enhanced status and text, dropping a diagnostic type and continuation codes', () => {
    assert.deepEqual(parseReply('550 5.1.1 <a@b> User unknown'), {
      code: 550,
      enhanced: '5.1.1',
      text: '550 5.1.1 <a@b> User unknown',
    });
    assert.deepEqual(parseReply('smtp; 550-5.1.1 The account does not exist.\r\n550 5.1.1 Try again'), {
      code: 550,
      enhanced: '5.1.1',
      text: '550 5.1.1 The account does not exist. Try again',
    });
    assert.deepEqual(parseReply('451 Greylisted'), { code: 451, text: '451 Greylisted' });
    assert.deepEqual(parseReply('X-Postfix; mailbox full'), { text: 'mailbox full' });
    assert.equal(parseReply('550 5.01.001 x').enhanced, '5.1.1');
  });

  it('refuses an empty reply', () => {
    assert.throws(() => parseReply('  '), ReplyError);
    assert.throws(() => parseReply('smtp;'), ReplyError);
  });
});

describe('classify with the stock patterns', () => {
  it('gives real replies their PowerMTA category and SparkPost class', () => {
    const cases: Array<[string, string, number | undefined, string]> = [
      ['550 5.1.1 <a@b> User unknown', 'bad-mailbox', 10, 'permanent'],
      // The reference's observed case: the text pattern beats the 5.2.1 status.
      ['550 5.2.1 <a@b>... User Unknown', 'bad-mailbox', 10, 'permanent'],
      // No stock pattern reads this text and none covers 5.2.1: `other`, yet the status says class 10.
      ['550 5.2.1 The email account that you tried to reach is disabled.', 'other', 10, 'permanent'],
      ['550 5.2.1 Mailbox is disabled', 'inactive-mailbox', 10, 'permanent'],
      ['552 5.2.2 Mailbox full', 'quota-issues', 22, 'permanent'],
      ['452 4.2.2 The email account that you tried to reach is over quota.', 'quota-issues', 22, 'transient'],
      [
        '554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org',
        'spam-related',
        51,
        'permanent',
      ],
      ['550 5.7.1 Message rejected as spam by Content Filtering', 'spam-related', 52, 'permanent'],
      ['550 Message scored 9.9 points', 'other', 52, 'permanent'],
      ['554 5.7.1 <a@b>: Relay access denied', 'relaying-issues', 54, 'permanent'],
      ['550 5.7.1 Command rejected by policy', 'policy-related', 50, 'permanent'],
      ['554 5.6.0 Message contains a virus', 'virus-related', 53, 'permanent'],
      ['552 5.3.4 Message size exceeds fixed limit', 'other', 23, 'permanent'],
      ['550 5.1.2 Host unknown', 'bad-domain', 21, 'permanent'],
      ['554 5.4.7 delivery time expired', 'message-expired', 24, 'permanent'],
      ['451 4.4.1 No answer from host', 'no-answer-from-host', 70, 'transient'],
      ['554 5.4.1 No answer from host', 'no-answer-from-host', 24, 'permanent'],
      ['450 4.7.1 Greylisted, try again later', 'policy-related', 50, 'transient'],
      ['421 4.7.0 Try again later, closing connection.', 'other', 70, 'transient'],
      ['500 5.5.2 Syntax error, command unrecognized', 'protocol-errors', 40, 'permanent'],
      ['550 Requested action not taken', 'other', 40, 'permanent'],
      ['250 2.0.0 Ok: queued as 4F2A1 (not spam)', 'success', undefined, 'success'],
    ];
    for (const [line, category, klass, outcome] of cases) {
      assert.deepEqual(of(line), [category, klass, outcome], line);
    }
  });

  it('writes dsnStatus the way PowerMTA does, X.0.0 when the reply has no enhanced code', () => {
    assert.equal(classify(parseReply('550 go away')).dsnStatus, '5.0.0 (undefined status)');
    assert.equal(classify(parseReply('250 ok')).dsnStatus, '2.0.0 (success)');
    assert.equal(
      classify(parseReply('550 5.1.2 x')).dsnStatus,
      '5.1.2 (bad destination system: no such domain)',
    );
    assert.equal(classify(parseReply('550 5.1.1 x')).dsnDiag, 'smtp;550 5.1.1 x');
    assert.equal(statusText('4.7.0'), 'other or undefined security status');
    assert.equal(statusText('5.3.5'), 'specified VirtualMTA does not exist');
    assert.equal(statusText('5.7.99'), 'other or undefined security status');
  });

  it('falls back to the action when a diagnostic carries no code at all', () => {
    const text = { text: 'the mail system is unhappy' };
    assert.equal(classify(text, { action: 'delayed' }).outcome, 'transient');
    assert.equal(classify(text, { action: 'failed' }).outcome, 'permanent');
    assert.equal(classify(text, { action: 'failed' }).bounceClass?.code, 1);
  });
});

describe('classify with a configuration', () => {
  const config = (lines: string[]) =>
    loadConfigText(['<bounce-category-patterns>', ...lines, '</bounce-category-patterns>'].join('\n')).config;

  it("uses the config's list instead of the stock one, first match wins", () => {
    const { bounceCategoryPatterns: patterns } = config([
      '/zen\\.spamhaus/ listed-ip',
      '/blocked/ policy-related',
      '// other',
    ]);
    const line = '554 5.7.1 blocked using zen.spamhaus.org';
    assert.equal(classify(parseReply(line), { patterns }).category, 'listed-ip');
    assert.equal(classify(parseReply('554 blocked'), { patterns }).category, 'policy-related');
    // A custom category still gets a SparkPost class from the text.
    assert.equal(classify(parseReply(line), { patterns }).bounceClass?.code, 51);
    // Not in the config's list: no stock fallback, `other`.
    assert.equal(classify(parseReply('550 5.1.1 user unknown'), { patterns }).category, 'other');
  });

  it('matches anchored status patterns and the action,status,diag form', () => {
    const { bounceCategoryPatterns: patterns } = config([
      '/^[45]\\.1\\.[1346];/ bad-mailbox',
      '/failed\\,5\\.0\\.0 \\(undefined status\\)\\,x\\-pmta\\;bounce\\-queue/ admin-deleted',
    ]);
    assert.equal(classify(parseReply('550 5.1.3 nope'), { patterns }).category, 'bad-mailbox');
    const deleted = classify({ text: 'bounce-queue' }, { patterns, action: 'failed', diagType: 'x-pmta' });
    assert.equal(deleted.category, 'admin-deleted');
  });

  it('loads the block without an unsupported-directive warning', () => {
    const { diagnostics } = loadConfigText(
      '<bounce-category-patterns>\n/x/ other\n</bounce-category-patterns>\n',
    );
    assert.deepEqual(diagnostics, []);
  });
});

describe('outpost bounce classify', () => {
  it('prints the category and the class', () => {
    const { status, stdout } = runCli(['bounce', 'classify', '550 5.1.1 <a@b> User unknown']);
    assert.equal(status, 0);
    assert.match(stdout, /PowerMTA bounce category: bad-mailbox/);
    assert.match(stdout, /SparkPost bounce class: +10 Invalid Recipient \(Hard\)/);
    assert.match(stdout, /dsnStatus: +5\.1\.1 \(bad destination mailbox address\)/);
  });

  it('uses --config patterns and prints JSON', (t) => {
    const dir = tempDir(t);
    writeFiles(dir, {
      'c.config': '<bounce-category-patterns>\n/unknown/ mine\n</bounce-category-patterns>\n',
    });
    const { status, stdout } = runCli([
      'bounce',
      'classify',
      '--json',
      '-c',
      `${dir}/c.config`,
      '550 User unknown',
    ]);
    assert.equal(status, 0);
    const json = JSON.parse(stdout);
    assert.equal(json.category, 'mine');
    assert.equal(json.bounceClass.code, 40);
  });

  it('fails clearly on an empty reply or a broken config', (t) => {
    assert.equal(runCli(['bounce', 'classify', ' ']).status, 1);
    const dir = tempDir(t);
    writeFiles(dir, { 'bad.config': '<bounce-category-patterns>\n/(/ x\n</bounce-category-patterns>\n' });
    const broken = runCli(['bounce', 'classify', '-c', `${dir}/bad.config`, '550 x']);
    assert.equal(broken.status, 1);
    assert.match(broken.stderr, /configuration error/);
  });
});
