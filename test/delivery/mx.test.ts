import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { domainSettingsFor, loadConfigText } from '../../src/config/index.js';
import { createResolver, resolveRoute } from '../../src/delivery/mx.js';
import { TestDnsServer } from '../helpers/dns-server.js';

describe('MX resolution against a real DNS server on loopback', () => {
  const dns = new TestDnsServer({
    'multi.example': {
      MX: [
        { priority: 20, exchange: 'backup.multi.example' },
        { priority: 10, exchange: 'mx1.multi.example' },
        { priority: 10, exchange: 'mx2.multi.example' },
      ],
    },
    'mx1.multi.example': { A: ['127.0.0.11'] },
    'mx2.multi.example': { A: ['127.0.0.12'], AAAA: ['::1'] },
    'backup.multi.example': { A: ['127.0.0.13'] },
    'bare.example': { A: ['127.0.0.20'] },
    'nullmx.example': { MX: [{ priority: 0, exchange: '' }] },
    'broken.example': 'SERVFAIL',
    'dangling.example': { MX: [{ priority: 10, exchange: 'nowhere.dangling.example' }] },
    'empty.example': {},
  });
  let resolver: ReturnType<typeof createResolver>;
  const settings = (domain: string, extra = '') => domainSettingsFor(loadConfigText(extra).config, domain);

  before(async () => {
    await dns.start();
    resolver = createResolver([{ host: '127.0.0.1', port: dns.port }]);
  });
  after(() => dns.stop());

  it('orders MX hosts by preference, one level per preference, with their addresses', async () => {
    const route = await resolveRoute(resolver, 'multi.example', settings('multi.example'));
    assert.ok(route.ok);
    assert.equal(route.levels.length, 2);
    assert.deepEqual(route.levels[0]!.map((h) => h.host).sort(), ['mx1.multi.example', 'mx2.multi.example']);
    assert.deepEqual(route.levels[0]!.find((h) => h.host === 'mx2.multi.example')?.addresses, [
      '127.0.0.12',
      '::1',
    ]);
    assert.deepEqual(
      route.levels[1]!.map((h) => [h.host, h.port]),
      [['backup.multi.example', 25]],
    );
  });

  it('falls back to the A record when there is no MX (implicit MX)', async () => {
    const route = await resolveRoute(resolver, 'bare.example', settings('bare.example'));
    assert.ok(route.ok && route.implicitMx);
    assert.deepEqual(route.levels, [[{ host: 'bare.example', port: 25, addresses: ['127.0.0.20'] }]]);
  });

  it('treats null MX and nonexistent domains as permanent, DNS failures as transient', async () => {
    assert.deepEqual(await resolveRoute(resolver, 'nullmx.example', settings('x')), {
      ok: false,
      permanent: true,
      status: '5.1.10',
      text: 'nullmx.example does not accept mail (null MX)',
    });
    const missing = await resolveRoute(resolver, 'nonexistent.example', settings('x'));
    assert.ok(!missing.ok && missing.permanent && missing.status === '5.1.2');
    const broken = await resolveRoute(resolver, 'broken.example', settings('x'));
    assert.ok(!broken.ok && !broken.permanent && broken.status === '4.4.3', JSON.stringify(broken));
    const dangling = await resolveRoute(resolver, 'dangling.example', settings('x'));
    assert.ok(!dangling.ok && !dangling.permanent, JSON.stringify(dangling));
    const empty = await resolveRoute(resolver, 'empty.example', settings('x'));
    assert.ok(!empty.ok && empty.permanent, JSON.stringify(empty));
  });

  it('routes through smtp-hosts instead of MX, with ports, levels and lookup-mx', async () => {
    const s = settings(
      'anything.example',
      '<domain anything.example>\nsmtp-hosts [127.0.0.5]:2525, bare.example:2526; lookup-mx:multi.example\n</domain>\n',
    );
    const route = await resolveRoute(resolver, 'anything.example', s);
    assert.ok(route.ok);
    assert.deepEqual(route.levels[0], [
      { host: '127.0.0.5', port: 2525, addresses: ['127.0.0.5'] },
      { host: 'bare.example', port: 2526, addresses: ['127.0.0.20'] },
    ]);
    assert.equal(route.levels.length, 3, 'then the two MX levels of multi.example');
    assert.ok(!dns.queries.some((q) => q.name === 'anything.example'), 'no MX lookup for the routed domain');
  });

  it('delivers to domain literals directly', async () => {
    const route = await resolveRoute(resolver, '[127.0.0.9]', settings('x'));
    assert.ok(route.ok);
    assert.deepEqual(route.levels[0]![0]!.addresses, ['127.0.0.9']);
  });
});
