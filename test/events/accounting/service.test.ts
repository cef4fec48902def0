// The accounting service end to end: events on the bus become files and pipe output in PowerMTA's
// format, with rotation, filters and pipe restarts.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfigText } from '../../../src/config/index.js';
import { parseCsvLine } from '../../../src/events/accounting/csv.js';
import { AccountingService } from '../../../src/events/accounting/service.js';
import { EventBus, type OutpostEvent } from '../../../src/events/index.js';
import { silentLogger } from '../../../src/logging.js';
import { tempDir } from '../../helpers/tmp.js';

const T = Date.UTC(2026, 10, 28, 12, 0, 0);

function delivery(overrides: Partial<OutpostEvent> = {}): OutpostEvent {
  return {
    type: 'delivery',
    timeLogged: T + 5000,
    timeQueued: T,
    messageId: '0000a1b2c3d4e5f60718',
    orig: 'AA-D=1181.com@bounce.bar.com',
    rcpt: 'D@1181.com',
    dsnAction: 'relayed',
    dsnStatus: '2.0.0 (success)',
    dsnDiag: 'smtp;250 DATA ok',
    dsnMta: 'foo.int.port25.com (10.1.2.3)',
    srcType: 'api',
    srcMta: 'foo.int.port25.com (127.0.0.1)',
    dlvType: 'smtp',
    dlvSourceIp: '10.1.2.3',
    dlvDestinationIp: '10.1.2.3',
    dlvEsmtpAvailable: 'ENHANCEDSTATUSCODES,8BITMIME,SMTPUTF8',
    dlvSize: 41159,
    vmta: 'vmta48',
    jobId: 'JoBID29546016861868',
    queue: '1181.com/vmta48',
    headers: [
      ['Subject', 'Hello, "world"'],
      ['X-Sp-Message-Id', '0000123456789abcdef0'],
    ],
    ...overrides,
  };
}

async function withService(t: import('node:test').TestContext, configText: string) {
  const dir = tempDir(t);
  const { config, diagnostics } = loadConfigText(
    configText.replaceAll('DIR', dir),
    join(dir, 'outpost.config'),
  );
  assert.deepEqual(
    diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  const bus = new EventBus();
  const service = new AccountingService(config, bus, silentLogger());
  await service.start();
  t.after(() => service.stop());
  return { dir, bus, service };
}

const rows = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\r\n')
    .filter((l) => l !== '')
    .map(parseCsvLine);

describe('accounting service', () => {
  it("writes a dated file with PowerMTA's header and a d record like the guide's sample", async (t) => {
    const { dir, bus, service } = await withService(t, '<acct-file DIR/acct.csv>\n</acct-file>\n');
    bus.emit(delivery());
    bus.emit({ ...delivery(), type: 'reception' }); // r is not in the default records d,b
    await service.drain();
    const files = readdirSync(dir).filter((f) => f.startsWith('acct-'));
    assert.equal(files.length, 1);
    assert.match(files[0]!, /^acct-\d{4}-\d{2}-\d{2}-0000\.csv$/);
    const [header, record, extra] = rows(join(dir, files[0]!));
    assert.equal(extra, undefined);
    assert.equal(header!.length, 23);
    const row = Object.fromEntries(header!.map((h, i) => [h, record![i]]));
    assert.equal(row.type, 'd');
    assert.equal(row.orig, 'AA-D=1181.com@bounce.bar.com');
    assert.equal(row.dsnStatus, '2.0.0 (success)');
    assert.equal(row.dlvEsmtpAvailable, 'ENHANCEDSTATUSCODES,8BITMIME,SMTPUTF8');
    assert.equal(row.dlvSize, '41159');
    assert.equal(row.queue, '1181.com/vmta48');
    assert.equal(row.bounceCat, '');
    assert.match(row.timeLogged!, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}[+-]\d{4}$/);
  });

  it('honours records, record-fields with header_ columns, user-string and iso-times no', async (t) => {
    const { dir, bus, service } = await withService(
      t,
      '<acct-file DIR/etl.csv>\nrecords d,b\nrecord-fields d rcpt,header_x-sp-message-id,header_Subject,userString,timeLogged\nuser-string node7\niso-times no\n</acct-file>\n',
    );
    bus.emit(delivery());
    bus.emit(delivery({ type: 'bounce', dsnAction: 'failed', bounceCat: 'bad-mailbox' }));
    await service.drain();
    const [file] = readdirSync(dir).filter((f) => f.startsWith('etl-'));
    const [header, d, b] = rows(join(dir, file!));
    assert.deepEqual(header!.slice(0, 6), [
      'type',
      'rcpt',
      'header_x-sp-message-id',
      'header_Subject',
      'userString',
      'timeLogged',
    ]);
    assert.deepEqual(d!.slice(0, 6), [
      'd',
      'D@1181.com',
      '0000123456789abcdef0',
      'Hello, "world"',
      'node7',
      String((T + 5000) / 1000),
    ]);
    assert.equal(b![0], 'b');
    assert.equal(b![header!.indexOf('bounceCat')], 'bad-mailbox');
    assert.equal(b![header!.indexOf('rcpt')], 'D@1181.com');
  });

  it("applies map-header-to-field, queue-filter and the queue's disable-acct-records", async (t) => {
    const { dir, bus, service } = await withService(
      t,
      [
        '<acct-file DIR/f.csv>',
        'records d,f',
        'map-header-to-field f header_X-HmXmrOriginalRecipient rcpt',
        'queue-filter !*/vmta9,*/*',
        '</acct-file>',
        '<domain quiet.example>',
        'disable-acct-records d',
        '</domain>',
      ].join('\n'),
    );
    bus.emit(delivery({ rcpt: 'kept@1181.com' }));
    bus.emit(delivery({ rcpt: 'dropped@1181.com', queue: '1181.com/vmta9' }));
    bus.emit(delivery({ rcpt: 'silent@quiet.example', queue: 'quiet.example/vmta48' }));
    bus.emit(
      delivery({ type: 'feedback', rcpt: '', headers: [['X-HmXmrOriginalRecipient', 'victim@hotmail.com']] }),
    );
    await service.drain();
    const [file] = readdirSync(dir).filter((f) => f.startsWith('f-'));
    const [header, ...records] = rows(join(dir, file!));
    const rcpt = header!.indexOf('rcpt');
    assert.deepEqual(
      records.map((r) => `${r[0]}:${r[rcpt]}`),
      ['d:kept@1181.com', 'f:victim@hotmail.com'],
    );
  });

  it('rotates at max-size: the -NNNN counter counts up and each file starts with the header', async (t) => {
    const { dir, bus, service } = await withService(
      t,
      '<acct-file DIR/acct.csv>\nmax-size 1M\n</acct-file>\n',
    );
    const bigDiag = `smtp;250 ${'x'.repeat(1000)}`;
    for (let i = 0; i < 2500; i++) {
      bus.emit(delivery({ dsnDiag: bigDiag }));
      if (i % 500 === 0) await service.drain();
    }
    await service.drain();
    const files = readdirSync(dir)
      .filter((f) => f.startsWith('acct-'))
      .sort();
    assert.ok(files.length >= 2, `expected rotation, got ${files}`);
    assert.deepEqual(
      files.map((f) => f.slice(-8, -4)),
      files.map((_, i) => String(i).padStart(4, '0')),
    );
    let total = 0;
    for (const f of files) {
      const [header, ...records] = rows(join(dir, f));
      assert.equal(header![0], 'type');
      total += records.length;
    }
    assert.equal(total, 2500);
  });

  it('pipes CSV to a command, header first, and restarts it after it dies', async (t) => {
    const dir = tempDir(t);
    const out = join(dir, 'pipe.out');
    const { bus } = await withService(
      t,
      `<acct-file |/bin/sh -c 'while IFS= read -r l; do printf "%s\\\\n" "$l" >> ${out}; case "$l" in *die@*) exit 3;; esac; done'>\nrecords d\nrecord-fields d rcpt\nretry-interval 1s\n</acct-file>\n`,
    );
    bus.emit(delivery({ rcpt: 'one@x.example' }));
    bus.emit(delivery({ rcpt: 'die@x.example' }));
    await sleep(300);
    bus.emit(delivery({ rcpt: 'while-down@x.example' }));
    await sleep(1800);
    bus.emit(delivery({ rcpt: 'after@x.example' }));
    await sleep(300);
    const lines = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.replace(/\r$/, ''));
    assert.deepEqual(lines, [
      'type,rcpt',
      'd,one@x.example',
      'd,die@x.example',
      'type,rcpt',
      'd,while-down@x.example',
      'd,after@x.example',
    ]);
  });
});
