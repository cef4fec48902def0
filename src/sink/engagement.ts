// Readers: a recipient who "opens" loads the message's images (the tracking pixels among them), one
// who "clicks" follows one link. Only loopback URLs are ever fetched (127.0.0.0/8, ::1, localhost):
// a sink must not generate traffic to anyone else, even if a test message links to the internet.
// A click's redirect is not followed, for the same reason: the tracker answers 302 to the real
// target, and the hit on the tracker is what counts.
import { isIP } from 'node:net';
import { Parser } from 'htmlparser2';
import { simpleParser } from 'mailparser';

export interface HtmlTargets {
  images: string[];
  links: string[];
}

/** True only for http(s) URLs whose host is a loopback address or `localhost`. */
export function isLoopbackUrl(text: string): boolean {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1';
  return false;
}

/** Image sources and link targets of the message's HTML part, loopback ones only. */
export async function htmlTargets(message: Buffer): Promise<HtmlTargets> {
  const parsed = await simpleParser(message, { skipImageLinks: true, skipTextToHtml: true });
  const html = typeof parsed.html === 'string' ? parsed.html : '';
  const images: string[] = [];
  const links: string[] = [];
  const parser = new Parser({
    onopentag(name, attributes) {
      if (name === 'img' && attributes.src && isLoopbackUrl(attributes.src)) images.push(attributes.src);
      if ((name === 'a' || name === 'area') && attributes.href && isLoopbackUrl(attributes.href)) {
        links.push(attributes.href);
      }
    },
  });
  parser.write(html);
  parser.end();
  return { images, links };
}

export interface FetchResult {
  url: string;
  status: number;
}

/** One GET as a mail client would make it; never follows redirects, never leaves loopback. */
export async function fetchLoopback(url: string, userAgent: string): Promise<FetchResult> {
  if (!isLoopbackUrl(url)) throw new Error(`refusing to fetch a non-loopback URL: ${url}`);
  const response = await fetch(url, {
    redirect: 'manual',
    headers: { 'user-agent': userAgent, accept: '*/*' },
    signal: AbortSignal.timeout(10_000),
  });
  await response.arrayBuffer();
  return { url, status: response.status };
}
