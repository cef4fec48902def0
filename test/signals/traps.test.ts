// The spam-trap list file (`spam-trap-list` in <signals-server>): what it accepts, the line-numbered
// errors for what it does not, privacy-mode hashes, and reloading when the file changes.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { loadConfigText } from '../../src/config/index.js';
import { silentLogger } from '../../src/logging.js';
import {
  parseTrapList,
  SpamTrapList,
  TrapListError,
  trapCondition,
} from '../../src/signals/analytics/traps.js';
import { signalsOptionsFromConfig } from '../../src/signals/config.js';
import { tempDir } from '../helpers/tmp.js';

it('reads kinds, addresses and whole domains, lower-cased, with comments and blank lines', () => {
  const set = parseTrapList(
    '# traps\n\nrecycled  Old.Customer@Example.com   # closed in 2019\ntypo @gmial.com\nparked\t@parked.example\nrecycled old.customer@example.com\n',
    'traps.txt',
  );
  assert.equal(set.size, 3, 'a repeated entry counts once');
  assert.deepEqual(set.addresses.recycled, ['old.customer@example.com']);
  assert.deepEqual(set.domains, { recycled: [], typo: ['gmial.com'], parked: ['parked.example'] });
  const sha1 = createHash('sha1').update('old.customer@example.com').digest();
  assert.deepEqual(set.hashes.recycled, [sha1.toString('hex'), sha1.toString('base64')]);
  assert.deepEqual(trapCondition(set, 'typo'), { any: [{ column: 'recipient_domain', in: ['gmial.com'] }] });
  assert.deepEqual(trapCondition(set, 'recycled').any.length, 2, 'address and its hashes');
});

it('refuses a broken list with the file and line of the first problem', () => {
  const cases: Array<[string, RegExp]> = [
    ['spamtrap a@b.com', /traps\.txt:1: unknown trap kind "spamtrap"/],
    ['recycled', /traps\.txt:1: expected an address or @domain/],
    ['\n\ntypo not-an-address', /traps\.txt:3: "not-an-address" is neither an address nor @domain/],
    ['typo a@b.com extra', /traps\.txt:1: unexpected "extra"/],
    ['typo @b.com\nparked @B.com', /traps\.txt:2: @B\.com is already listed as typo on line 1/],
    ['recycled a@b@c.com', /neither an address/],
  ];
  for (const [text, message] of cases) {
    assert.throws(
      () => parseTrapList(text, 'traps.txt'),
      (e: unknown) => e instanceof TrapListError && message.test(e.message),
      text,
    );
  }
});

it('reads the file again when it changes, and keeps the old list when the new one is broken', (t) => {
  const file = join(tempDir(t), 'traps.txt');
  writeFileSync(file, 'typo @gmial.com\n');
  let now = 0;
  const list = new SpamTrapList(file, silentLogger(), () => now);
  assert.equal(list.current().size, 1);
  writeFileSync(file, 'typo @gmial.com\nparked @parked.example\n');
  utimesSync(file, new Date(), new Date(Date.now() + 5000));
  assert.equal(list.current().size, 1, 'not looked at again within 5 s');
  now += 6000;
  assert.equal(list.current().size, 2);
  writeFileSync(file, 'nonsense here\n');
  utimesSync(file, new Date(), new Date(Date.now() + 10_000));
  now += 6000;
  assert.equal(list.current().size, 2, 'a broken edit keeps the previous list');
  assert.throws(() => new SpamTrapList(join(file, 'missing'), silentLogger()), TrapListError);
});

it('is a <signals-server> directive, relative to the configuration file', () => {
  const text = '<signals-server>\n  spam-trap-list traps/list.txt\n</signals-server>\n';
  const { config, diagnostics } = loadConfigText(text, '/etc/outpost/outpost.config');
  assert.deepEqual(
    diagnostics.map((d) => d.message),
    [],
  );
  const options = signalsOptionsFromConfig(config, silentLogger());
  assert.equal(options.spamTrapList, '/etc/outpost/traps/list.txt');
});
