// The demo's injected mail: several campaigns (X-Job), each on its pool (X-Virtual-MTA) and
// subaccount (X-SP-Subaccount-ID), to recipients at the big mailbox providers and a few smaller
// domains, with HTML so the sink's readers open and click. Sent like an application would: SMTP
// with AUTH (after STARTTLS) to the injection listener, through nodemailer's pool.
import nodemailer from 'nodemailer';

export const CAMPAIGNS = [
  {
    job: 'spring-sale',
    pool: 'marketing',
    subaccount: 101,
    share: 0.36,
    subject: 'Spring sale: 30% off everything',
  },
  {
    job: 'weekly-newsletter',
    pool: 'marketing',
    subaccount: 102,
    share: 0.36,
    subject: 'This week at Example',
  },
  {
    job: 'welcome-series',
    pool: 'transactional',
    subaccount: 101,
    share: 0.12,
    subject: 'Welcome to Example',
  },
  {
    job: 'password-reset',
    pool: 'transactional',
    subaccount: 103,
    share: 0.1,
    subject: 'Reset your password',
  },
  { job: 'winback', pool: 'default', subaccount: 102, share: 0.06, subject: 'We miss you' },
];

const DOMAINS = [
  ['gmail.com', 0.34],
  ['yahoo.com', 0.18],
  ['outlook.com', 0.1],
  ['hotmail.com', 0.08],
  ['aol.com', 0.08],
  ['icloud.com', 0.08],
  ['comcast.net', 0.07],
  ['example.org', 0.07],
];

/** A small deterministic generator, so the same seed sends the same traffic. */
function generator(seed) {
  let state = seed >>> 0 || 1;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function weighted(random, items, weightOf) {
  let r = random() * items.reduce((sum, item) => sum + weightOf(item), 0);
  for (const item of items) {
    r -= weightOf(item);
    if (r < 0) return item;
  }
  return items[items.length - 1];
}

function html(campaign, n) {
  const product = `https://shop.example.com/products/${(n % 40) + 1}?utm_campaign=${campaign.job}`;
  return `<!doctype html><html><body style="font-family:sans-serif">
<h1>${campaign.subject}</h1>
<p>Hello, reader ${n}. <a href="${product}">See the offer</a> or
<a href="https://shop.example.com/account">open your account</a>.</p>
<p><a href="https://example.com/unsubscribe" data-msys-linkname="unsubscribe">Unsubscribe</a></p>
</body></html>`;
}

/** Plans `count` messages: who gets which campaign. Recipients repeat, as on a real list. */
export function plan(count, seed) {
  const random = generator(seed);
  const listSize = Math.max(50, Math.round(count * 0.6));
  return Array.from({ length: count }, (_, n) => {
    const campaign = weighted(random, CAMPAIGNS, (c) => c.share);
    const [domain] = weighted(random, DOMAINS, ([, share]) => share);
    const user = Math.floor(random() * listSize);
    return { n, campaign, to: `user${user}@${domain}` };
  });
}

/** Sends the planned messages; `progress(sent, failed)` is called as they go. */
export async function inject({ port, count, seed, progress }) {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    secure: false,
    requireTLS: true,
    tls: { rejectUnauthorized: false }, // the default config's self-signed certificate
    auth: { user: 'outpost', pass: 'outpost' },
    pool: true,
    maxConnections: 4,
    maxMessages: Number.POSITIVE_INFINITY,
  });
  let sent = 0;
  let failed = 0;
  let firstError;
  const messages = plan(count, seed);
  const window = 64;
  for (let i = 0; i < messages.length; i += window) {
    await Promise.all(
      messages.slice(i, i + window).map(async ({ n, campaign, to }) => {
        try {
          await transport.sendMail({
            from: 'Example Shop <news@outpost.localhost>',
            to,
            subject: campaign.subject,
            text: `${campaign.subject}\n\nSee https://shop.example.com/`,
            html: html(campaign, n),
            headers: {
              'X-Job': campaign.job,
              'X-Virtual-MTA': campaign.pool,
              'X-SP-Subaccount-ID': String(campaign.subaccount),
            },
          });
          sent++;
        } catch (error) {
          failed++;
          firstError ??= error;
        }
      }),
    );
    progress?.(sent, failed);
  }
  transport.close();
  return { sent, failed, firstError };
}
