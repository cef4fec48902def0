import { prepareTracking } from '../../src/tracking/rewrite.js';
import { TrackingKey } from '../../src/tracking/token.js';
import { newsletterMessage } from './newsletter.js';

const msg = newsletterMessage(100_000);
const key = new TrackingKey('k'.repeat(40));
const opts = { key, customerId: 1, baseUrl: 'https://track.example.com' };
let t = performance.now();
let tracked = prepareTracking(msg, opts);
for (let i = 0; i < 50; i++) tracked = prepareTracking(msg, opts);
t = performance.now();
for (let i = 0; i < 100; i++) tracked = prepareTracking(msg, opts);
console.log('prepare ms', (performance.now() - t) / 100, 'links', tracked.links, 'bytes', msg.length);
for (let i = 0; i < 500; i++) tracked.forRecipient(`r${i}@example.org`, '0000aabbccdd11223344');
t = performance.now();
const N = 2000;
for (let i = 0; i < N; i++) tracked.forRecipient(`r${i}@example.org`, '0000aabbccdd11223344');
console.log('per recipient us', ((performance.now() - t) / N) * 1000);
