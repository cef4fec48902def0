import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OutpostEvent } from '../../../src/events/index.js';
import { SignalsSelector } from '../../../src/events/signals/index.js';
import { signalsConfig } from './helpers/config.js';
import { makeEvent } from './helpers/events.js';

/** undefined = not reported, else the subaccount it is reported under. */
function outcome(extra: string, event: Partial<OutpostEvent>, signals = ''): number | undefined {
  const selector = new SignalsSelector(signalsConfig({ extra, signals }));
  return selector.select(makeEvent('delivery', event))?.subaccountId;
}

const POOLS = (pool: string, vmta: string, global: string) => `
${global ? `enable-signals ${global}` : ''}
<virtual-mta v1>
  smtp-source-host 192.0.2.31 v1.example.com
  ${vmta ? `enable-signals ${vmta}` : ''}
</virtual-mta>
<virtual-mta v2>
  smtp-source-host 192.0.2.32 v2.example.com
</virtual-mta>
<virtual-mta-pool p1>
  virtual-mta v1
  virtual-mta v2
  ${pool ? `enable-signals ${pool}` : ''}
</virtual-mta-pool>`;

describe('signals selection: enable-signals, signals-filter and subaccounts', () => {
  it('VirtualMTA beats pool beats global; with a <signals> block and nothing set, all is reported', () => {
    // [global, pool, vmta] → for v1 (in p1, has its own setting) and v2 (in p1, inherits)
    const cases: Array<[string, string, string, number | undefined, number | undefined]> = [
      ['', '', '', 0, 0],
      ['false', '', '', undefined, undefined],
      ['false', 'true', '', 0, 0],
      ['false', 'true', 'false', undefined, 0],
      ['true', 'false', 'true,subaccount=7', 7, undefined],
      ['true,subaccount=3', '', '', 3, 3],
      ['true,subaccount=3', 'true,subaccount=4', '', 4, 4],
      ['true,subaccount=3', 'true,subaccount=4', 'true,subaccount=5', 5, 4],
      ['', 'false', '', undefined, undefined],
    ];
    for (const [global, pool, vmta, v1, v2] of cases) {
      const extra = POOLS(pool, vmta, global);
      const label = `global=${global} pool=${pool} vmta=${vmta}`;
      assert.equal(outcome(extra, { vmta: 'v1', vmtaPool: 'p1' }), v1, `${label}: v1`);
      assert.equal(outcome(extra, { vmta: 'v2', vmtaPool: 'p1' }), v2, `${label}: v2`);
      // The pool is found from the VirtualMTA when the event does not name it.
      assert.equal(outcome(extra, { vmta: 'v2', vmtaPool: undefined }), v2, `${label}: v2 without pool`);
      // A reception record names the pool in `vmta`.
      assert.equal(outcome(extra, { vmta: 'p1', vmtaPool: undefined }), v2, `${label}: reception via pool`);
    }
  });

  it('a signals-filter picks by the Sender:, else From: domain, most specific pattern first', () => {
    const filter = `
<signals-filter ListOne>
  sender-or-from  *                         enable-signals,subaccount=222
  sender-or-from  *.customer1.com           enable-signals,subaccount=333
  sender-or-from  transact.customer1.com    disable-signals
  sender-or-from  marketing.customer1.com   enable-signals,subaccount=555
</signals-filter>
<signals-filter OnlyOne>
  sender-or-from  customer2.com  enable-signals
</signals-filter>
enable-signals ListOne
<virtual-mta v9>
  enable-signals OnlyOne
</virtual-mta>`;
    const from = (headerFrom: string | undefined, headerSender?: string, vmta = 'mta1') =>
      outcome(filter, { headerFrom, headerSender, vmta, vmtaPool: undefined });
    assert.equal(from('news@marketing.customer1.com'), 555);
    assert.equal(from('news@transact.customer1.com'), undefined);
    assert.equal(from('news@eu.customer1.com'), 333);
    assert.equal(from('news@customer1.com'), 222, '*.customer1.com is subdomains only');
    assert.equal(from('news@elsewhere.org'), 222);
    assert.equal(from(undefined), 222, 'no sending domain: only * matches');
    assert.equal(from('news@elsewhere.org', 'ops@transact.customer1.com'), undefined, 'Sender: beats From:');
    assert.equal(from('a@MARKETING.Customer1.COM'), 555, 'domains compare case-insensitively');
    assert.equal(from('a@customer2.com', undefined, 'v9'), 0, 'the VirtualMTA names its own filter');
    assert.equal(from('a@customer3.com', undefined, 'v9'), undefined, 'no rule matches: not reported');
  });

  it('X-SP-Subaccount-ID beats the configuration only with process-x-sp-subaccount-id', () => {
    const extra = 'enable-signals true,subaccount=9';
    const header = (value: string) => ({ headers: [['X-SP-Subaccount-ID', value]] as const });
    const on = 'process-x-sp-subaccount-id true';
    assert.equal(outcome(extra, header('123'), on), 123);
    assert.equal(outcome(extra, header(' 77 '), on), 77);
    assert.equal(outcome(extra, header('123')), 9, 'ignored without process-x-sp-subaccount-id');
    for (const bad of ['0', '-4', '12abc', '', '1e3', '99999999999999999'])
      assert.equal(outcome(extra, header(bad), on), 9, `invalid header value "${bad}" falls back to config`);
    assert.equal(
      outcome(extra, { ...header('123'), subaccountId: 42 }, on),
      42,
      'the subaccount the listener or mailmerge set wins',
    );
    assert.equal(
      outcome('enable-signals false', header('123'), on),
      undefined,
      'the header never enables Signals',
    );
  });

  it('leaves out the reception of reports sent to the bounce and feedback-loop processors', () => {
    const extra = `
<bounce-processor>
  <address-list>
    domain bounces.example.com
  </address-list>
</bounce-processor>
<feedback-loop-processor>
  <address-list>
    address fbl@example.com
  </address-list>
</feedback-loop-processor>`;
    const selector = new SignalsSelector(signalsConfig({ extra, signals: '' }));
    const reported = (type: OutpostEvent['type'], rcpt: string) =>
      selector.select(makeEvent(type, { rcpt })) !== undefined;
    assert.equal(reported('reception', 'bounce-123@bounces.example.com'), false);
    assert.equal(reported('reception', 'FBL@Example.com'), false);
    assert.equal(reported('reception', 'reader@example.org'), true, 'ordinary mail is reported');
    assert.equal(reported('reception', 'other@example.com'), true, 'only the listed address');
    assert.equal(reported('remote-bounce', 'reader@example.org'), true, 'the report itself is reported');
  });
});
