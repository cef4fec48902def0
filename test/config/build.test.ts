import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfigText } from '../../src/config/index.js';

/** Errors and warnings as `LINE: severity: message`, without "not supported yet" warnings. */
function problems(text: string): string[] {
  return loadConfigText(text, 'c')
    .diagnostics.filter((d) => !/not supported by Outpost yet/.test(d.message))
    .map((d) => `${d.line}: ${d.severity}: ${d.message}`);
}

describe('config model: directives, scopes and values', () => {
  it('reports unknown directives, missing arguments and wrong types at their lines', () => {
    assert.deepEqual(problems('host-id 1\nfrobnicate yes\nhost-name\nhttp-mgmt-port eighty\n'), [
      '2: error: unknown directive "frobnicate"',
      '3: error: argument missing',
      '4: error: invalid number "eighty"',
    ]);
  });

  it('reports a directive in the wrong scope and names where it belongs', () => {
    assert.deepEqual(problems('max-smtp-out 5\n<source 0/0>\n  retry-after 10m\n</source>\n'), [
      '1: error: max-smtp-out is not allowed in global scope (it belongs in <domain> or <virtual-mta> or <virtual-mta-pool>)',
      '3: error: retry-after is not allowed in <source> (it belongs in <domain>)',
    ]);
    assert.deepEqual(problems('<source 0/0>\n<domain *>\n</domain>\n</source>\n'), [
      '2: error: <domain> is not allowed in <source>',
    ]);
    assert.deepEqual(problems('<bogus-block>\n</bogus-block>\n'), [
      '1: error: <bogus-block> is not allowed in global scope',
    ]);
  });

  it('reads directive names case-insensitively (UNCONFIRMED in PowerMTA; lenient is safer)', () => {
    assert.deepEqual(problems('Host-ID 3\n'), []);
    assert.equal(loadConfigText('HOST-ID 3\n').config.global['host-id'], 3);
  });

  it('warns, naming the line, for each directive Outpost reads but does not act on yet', () => {
    const { diagnostics } = loadConfigText('dummy-smtp-port 2525\n', 'c');
    assert.deepEqual(
      diagnostics.map((d) => `${d.line}: ${d.severity}: ${d.message}`),
      ['1: warning: dummy-smtp-port is not supported by Outpost yet and is ignored'],
    );
  });

  it('warns about deprecated PowerMTA directives', () => {
    assert.deepEqual(problems('<domain x.com>\nroute [127.0.0.1]:2525\n</domain>\n'), [
      '2: warning: route is deprecated in PowerMTA (use smtp-hosts)',
    ]);
  });

  it('types every value: listeners, source hosts, DKIM keys, smtp-hosts, enable-signals', () => {
    const { config, diagnostics } = loadConfigText(
      [
        'smtp-listener 127.0.0.1:2525',
        'smtp-listener 0/0:25 source=inbound',
        '<source inbound>',
        '</source>',
        'domain-key mypmta, example.com,  /etc/pmta/key.pem',
        'enable-signals true,subaccount=7',
        '<virtual-mta mta1>',
        '  smtp-source-host 127.0.0.2 mta1.example.com',
        '  <domain gmail.com>',
        '    smtp-hosts [127.0.0.1]:2526, mx.example.com; lookup-mx:backup.example',
        '    retry-after 10m,20m,1h',
        '  </domain>',
        '</virtual-mta>',
      ].join('\n'),
      'c',
    );
    assert.equal(diagnostics.filter((d) => d.severity === 'error').length, 0);
    assert.deepEqual(
      config.listeners.map((l) => [l.host, l.port, l.source]),
      [
        ['127.0.0.1', 2525, undefined],
        ['0.0.0.0', 25, 'inbound'],
      ],
    );
    assert.deepEqual(config.global['domain-key'], [
      { selector: 'mypmta', domain: 'example.com', keyFile: '/etc/pmta/key.pem' },
    ]);
    assert.deepEqual(config.global['enable-signals'], {
      enabled: true,
      subaccount: 7,
      pos: { file: 'c', line: 6 },
    });
    const vmta = config.virtualMtas.get('mta1')!;
    assert.equal(vmta.settings['smtp-source-host'][0]!.hostname, 'mta1.example.com');
    assert.deepEqual(vmta.domains[0]!.settings['smtp-hosts'], [
      [
        { host: '127.0.0.1', literal: true, port: 2526 },
        { host: 'mx.example.com', literal: false },
      ],
      [{ host: 'backup.example', literal: false, lookupMx: 'backup.example' }],
    ]);
    assert.deepEqual(vmta.domains[0]!.settings['retry-after'], [600, 1200, 3600]);
  });

  it('clears an inherited list value with ""', () => {
    const { config } = loadConfigText(
      '<domain *>\nremove-header X-A,X-B\n</domain>\n<domain x.com>\nremove-header ""\n</domain>\n',
    );
    assert.deepEqual(config.domains[1]!.settings['remove-header'], []);
  });

  it('checks references between blocks', () => {
    const text = [
      'smtp-listener 127.0.0.1:25 source=nope',
      '<virtual-mta-pool p1>',
      '  virtual-mta ghost',
      '</virtual-mta-pool>',
      '<source 0/0>',
      '  default-virtual-mta nowhere',
      '  rewrite-list missing',
      '</source>',
      '<smtp-user u>',
      '  password x',
      '  source {nobody}',
      '</smtp-user>',
      '<domain *>',
      '  smtp-pattern-list absent',
      '</domain>',
      'enable-signals nofilter',
    ].join('\n');
    assert.deepEqual(problems(text), [
      '1: error: smtp-listener 127.0.0.1:25 names unknown source "nope"',
      '2: error: <virtual-mta-pool p1> lists unknown virtual-mta "ghost"',
      '5: error: <source 0/0> default-virtual-mta "nowhere" is neither a virtual-mta nor a pool',
      '5: error: <source 0/0> uses unknown rewrite-list "missing"',
      '9: error: <smtp-user u> names unknown source "{nobody}"',
      '13: error: unknown smtp-pattern-list "absent"',
      '16: error: enable-signals names unknown signals-filter "nofilter"',
    ]);
  });

  it('rejects a VirtualMTA in two pools that both define <domain>, and a pool named like a VMTA', () => {
    const text = [
      '<virtual-mta a>',
      '</virtual-mta>',
      '<virtual-mta-pool p1>',
      '  virtual-mta a',
      '  <domain *>',
      '  </domain>',
      '</virtual-mta-pool>',
      '<virtual-mta-pool p2>',
      '  virtual-mta a',
      '  <domain *>',
      '  </domain>',
      '</virtual-mta-pool>',
      '<virtual-mta-pool a>',
      '</virtual-mta-pool>',
    ].join('\n');
    assert.deepEqual(problems(text), [
      '1: error: virtual-mta "a" is in two pools that both define <domain> (p1, p2)',
      '13: error: "a" names both a <virtual-mta> and a <virtual-mta-pool>',
    ]);
  });

  it('expands domain macros, nested ones too, and reports loops and unknown macros', () => {
    const ok = loadConfigText(
      'domain-macro tld com,$cc\ndomain-macro cc fr,de\n<domain yahoo.$tld>\nmax-smtp-out 3\n</domain>\n',
    );
    assert.deepEqual(
      ok.config.domains.map((d) => d.pattern.text),
      ['yahoo.com', 'yahoo.fr', 'yahoo.de'],
    );
    assert.ok(ok.config.domains.every((d) => d.fromMacro));
    assert.deepEqual(
      problems(
        'domain-macro a x,$b\ndomain-macro b $a\n<domain y.$a>\n</domain>\n<domain y.$zz>\n</domain>\n',
      ),
      ['3: error: domain-macro loop: $a -> $b -> $a', '5: error: unknown domain-macro $zz'],
    );
  });

  it('validates rule blocks: smtp-pattern-list actions, rewrite lists, bounce categories', () => {
    const text = [
      '<smtp-pattern-list errs>',
      '  reply /421 .* too many errors/ mode=backoff',
      '  reply /x/ mode=backoff,mode=normal',
      '  reply /y/ skip-mx,reenable-after=1h',
      '  reply /z/ explode',
      '</smtp-pattern-list>',
      '<rewrite-list r>',
      '  mail-from *@a.example *@bounces.a.example',
      '  mail-from <> *@x.example',
      '</rewrite-list>',
      '<bounce-category-patterns>',
      '  /mailbox +(is +)?full/ quota-issues',
      '  /^[45]\\.1\\.1/ bad-mailbox',
      '  /no category/',
      '</bounce-category-patterns>',
    ].join('\n');
    assert.deepEqual(problems(text), [
      '3: error: mode=backoff and mode=normal cannot be combined',
      '4: error: reenable-after needs disable-source-ip',
      '5: error: unknown action "explode" (expected mode=normal, mode=backoff, skip-mx, bounce-queue, bounce-rcpt, disable-source-ip, defer-queue or reenable-after=INTERVAL)',
      '9: error: mail-from <> cannot copy parts of an empty address',
      '14: error: expected one bounce category after the pattern, found ""',
    ]);
    const { config } = loadConfigText(text);
    assert.equal(config.bounceCategoryPatterns?.[0]?.category, 'quota-issues');
    assert.ok(config.bounceCategoryPatterns?.[0]?.regex.test('Mailbox is FULL'));
  });

  it('requires a 40-hex api-key only when uploading to SparkPost itself', () => {
    const sparkpost = '<signals>\napi-key abc\n</signals>\n';
    assert.deepEqual(problems(sparkpost), [
      '1: error: api-key must be a SparkPost API key (40 hexadecimal digits) when uploading to SparkPost',
    ]);
    assert.deepEqual(
      problems('<signals>\napi-key abc\nupload-url http://127.0.0.1:8090/api/v1/ingest/events\n</signals>\n'),
      [],
    );
    assert.deepEqual(problems('<signals>\nlog-verbose true\n</signals>\n'), [
      '1: error: <signals> needs an api-key',
    ]);
  });

  it('reads the Outpost-only blocks', () => {
    const { config, diagnostics } = loadConfigText(
      '<outpost>\ndata-dir /tmp/x\ndns-server 127.0.0.1:5353\n</outpost>\n<signals-server>\nlisten 127.0.0.1:0\napi-key abcdefabcdefabcdef01 all\napi-key abcdefabcdefabcdef02 metrics/view subaccount=5\napi-key abcdefabcdefabcdef03 nonsense/grant\n</signals-server>\n',
      'c',
    );
    assert.equal(config.outpost['data-dir'], '/tmp/x');
    assert.deepEqual(config.outpost['dns-server'], [{ host: '127.0.0.1', port: 5353 }]);
    assert.deepEqual(config.signalsServer?.listen, { host: '127.0.0.1', port: 0 });
    assert.equal(config.signalsServer?.['api-key'][0]?.grants.length, 4);
    assert.deepEqual(config.signalsServer?.['api-key'][1], {
      key: 'abcdefabcdefabcdef02',
      grants: ['metrics/view'],
      subaccount: 5,
    });
    assert.deepEqual(
      diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.line}: ${d.message}`),
      [
        '9: unknown grant "nonsense/grant" (expected events/ingest, message_events/view, metrics/view, signals/view or all)',
      ],
    );
  });
});
