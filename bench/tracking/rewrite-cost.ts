// The rewrite's cost for a 100 kB HTML newsletter (quoted-printable, ~300 links): prepareTracking
// once per message, forRecipient once per recipient. For scale it also times what delivery does to
// every copy anyway: DKIM's body hash (SHA-256 of the message) and an RSA-2048 signature.
// Run: npx tsx bench/tracking/rewrite-cost.ts [--kb 100]
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { prepareTracking } from '../../src/tracking/rewrite.js';
import { TrackingKey } from '../../src/tracking/token.js';
import { option } from '../connector/util.js';
import { newsletterMessage } from './newsletter.js';

const message = newsletterMessage(option('--kb', 100) * 1000);
const options = { key: new TrackingKey('k'.repeat(40)), customerId: 1, baseUrl: 'https://track.example.com' };

function perCall(calls: number, work: (i: number) => void): number {
  for (let i = 0; i < Math.min(calls, 200); i++) work(i); // warm-up
  const started = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) work(i);
  return Number(process.hrtime.bigint() - started) / 1000 / calls;
}

let tracked = prepareTracking(message, options);
const prepare = perCall(200, () => {
  tracked = prepareTracking(message, options);
});
let bytes = 0;
const recipient = perCall(2000, (i) => {
  bytes = tracked.forRecipient(`reader${i}@example.org`, '0000aabbccdd11223344').length;
});
const bodyHash = perCall(2000, () => createHash('sha256').update(message).digest());
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsa = perCall(300, () => sign('sha256', message.subarray(0, 512), privateKey));
console.log(
  `rewrite, ${(message.length / 1000).toFixed(0)} kB message with ${tracked.links} links: ` +
    `prepareTracking ${(prepare / 1000).toFixed(2)} ms per message, forRecipient ${recipient.toFixed(0)} µs per recipient ` +
    `(${(bytes / 1000).toFixed(0)} kB out). For scale, DKIM work on every copy: body hash (SHA-256) ` +
    `${bodyHash.toFixed(0)} µs, RSA-2048 signature ${rsa.toFixed(0)} µs`,
);
