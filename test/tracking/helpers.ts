// Shared by the tracking tests: a key, a tracking base, MIME builders and a reader that finds the
// pixels and wrapped links in rewritten HTML with htmlparser2's parser (a DOM-level view).
import { Parser } from 'htmlparser2';
import { simpleParser } from 'mailparser';
import { prepareTracking, type TrackedMessage, type TrackingOptions } from '../../src/tracking/rewrite.js';
import { TrackingKey, TrackingKeyring, type VerifiedToken } from '../../src/tracking/token.js';

export const API_KEY = 'f'.repeat(40);
export const BASE = 'https://t.example.net';
export const key = new TrackingKey(API_KEY);
export const keyring = new TrackingKeyring<string>().add(API_KEY, 'primary');
export const MESSAGE_ID = '0000aabbccdd11223344';

export function track(message: string | Buffer, options: Partial<TrackingOptions> = {}): TrackedMessage {
  const bytes = typeof message === 'string' ? Buffer.from(message, 'latin1') : message;
  return prepareTracking(bytes, { key, customerId: 42, baseUrl: BASE, ...options });
}

export const crlf = (...lines: string[]) => lines.join('\r\n');

/** A message with these headers and body, CRLF line ends. */
export function message(headers: string[], body: string): string {
  return crlf(
    'From: Sender <sender@example.com>',
    'To: rcpt@example.org',
    'Subject: Tracking test',
    'List-Unsubscribe: <https://example.com/unsubscribe?u=1>, <mailto:unsub@example.com>',
    'MIME-Version: 1.0',
    ...headers,
    '',
    body,
  );
}

export interface Found {
  pixels: Array<VerifiedToken<string> & { tag: string }>;
  links: Array<VerifiedToken<string> & { tag: string }>;
  /** Every href as written after rewriting (wrapped or not). */
  hrefs: string[];
  /** Pixel and click URLs that did not verify. */
  bad: string[];
}

/** Pixels and wrapped links in the HTML, verified against the test keyring. */
export function findTracking(html: string): Found {
  const found: Found = { pixels: [], links: [], hrefs: [], bad: [] };
  const parser = new Parser({
    onopentag(name, attributes) {
      const url = name === 'img' ? attributes.src : attributes.href;
      if (attributes.href !== undefined) found.hrefs.push(attributes.href);
      if (!url?.startsWith(`${BASE}/`)) return;
      const [segment, token] = url.slice(BASE.length + 1).split('/');
      const verified = token ? keyring.verify(token) : undefined;
      if (!verified) found.bad.push(url);
      else if (segment === 'o' && name === 'img') found.pixels.push({ ...verified, tag: name });
      else if (segment === 'c') found.links.push({ ...verified, tag: name });
      else found.bad.push(url);
    },
  });
  parser.write(html);
  parser.end();
  return found;
}

/** The message as a real MIME parser (mailparser) sees it. */
export async function parsed(bytes: Buffer) {
  return simpleParser(bytes, { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true });
}

/** Longest line in bytes (SMTP allows 998 plus CRLF). */
export function longestLine(bytes: Buffer): number {
  return Math.max(
    ...bytes
      .toString('latin1')
      .split('\r\n')
      .map((line) => line.length),
  );
}
