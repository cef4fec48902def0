// Tricky HTML renders the same after tracking, apart from the intended changes. Each document is
// sent through prepareTracking inside a real message, read back with mailparser, and both versions
// are loaded into headless Chromium (scripts off, network off). In the tracked DOM the two pixels
// are removed and each wrapped link gets its verified target back; in both DOMs the data-msys-*
// attributes are dropped and every href is resolved the browser's way. The two DOMs must then be
// identical, and the pixels must sit at the start and the end of the body.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import { BASE, crlf, findTracking, keyring, MESSAGE_ID, message, parsed, track } from './helpers.js';

// The page-side function runs in Chromium; the project compiles without the DOM library.
// biome-ignore lint/suspicious/noExplicitAny: browser globals, typed by the browser at run time
declare const document: any, NodeFilter: any;

const FIXTURES = new URL('./fixtures/html/', import.meta.url);

/** Links each document should have wrapped; everything else must stay as it was. */
const EXPECTED_LINKS: Record<string, number> = {
  'no-body.html': 2,
  'uppercase.html': 2,
  'unquoted.html': 7,
  'base-href.html': 6,
  'broken.html': 3,
  'mso-buttons.html': 2,
  'entities.html': 7,
  'xhtml.html': 3,
  'non-links.html': 0,
  'script-style.html': 1,
  'unclosed-comment.html': 1,
  'empty-body.html': 0,
  'clicktrack.html': 2,
  'huge.html': 6000,
};

function hugeDocument(): string {
  const block = (i: number) =>
    `<tr><td style="padding:8px"><a href="https://shop.example.com/item/${i}?utm_source=news&amp;utm_medium=email">` +
    `<img src="https://cdn.example.com/img/${i}.jpg" width="120" alt="Item ${i}"></a></td><td><h3>Item ${i}</h3>` +
    `<p>${'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(4)}</p>` +
    `<a href="https://shop.example.com/item/${i}/buy">Buy</a> | <a href="https://shop.example.com/item/${i}/save">Save</a></td></tr>\n`;
  const rows = Array.from({ length: 2000 }, (_, i) => block(i)).join('');
  return `<!DOCTYPE html><html><head><title>Huge</title></head><body><table>\n${rows}</table></body></html>\n`;
}

function documents(): Array<[string, string]> {
  const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.html'));
  return [
    ...files.map((f): [string, string] => [f, readFileSync(new URL(f, FIXTURES), 'utf8')]),
    ['huge.html', hugeDocument()],
  ];
}

async function trackedHtml(html: string): Promise<string> {
  const body = Buffer.from(html.replace(/\r?\n/g, '\r\n'), 'utf8').toString('latin1');
  const bytes = message(['Content-Type: text/html; charset=utf-8', 'Content-Transfer-Encoding: 8bit'], body);
  const out = track(bytes).forRecipient('reader@example.org', MESSAGE_ID);
  return String((await parsed(out)).html);
}

interface Dom {
  html: string;
  topFirst: boolean;
  bottomLast: boolean;
}

/** Runs in the page: removes what tracking added, maps links back, normalises hrefs. */
function normalise(args: { base: string; targets: Record<string, string> }): Dom {
  let topFirst = false;
  let bottomLast = false;
  for (const img of [...document.querySelectorAll('img')]) {
    if (!img.getAttribute('src')?.startsWith(`${args.base}/o/`)) continue;
    const wrapper = img.parentElement;
    if (wrapper?.tagName === 'DIV' && wrapper.childNodes.length === 1 && wrapper.style.display === 'none') {
      topFirst = document.body.firstElementChild === wrapper;
      wrapper.remove();
    } else {
      const all = document.body.querySelectorAll('*');
      bottomLast = all[all.length - 1] === img;
      img.remove();
    }
  }
  const walker = document.createTreeWalker(document, NodeFilter.SHOW_COMMENT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    node.nodeValue = String(node.nodeValue).replace(
      /https?:\/\/[^\s"'<>]+\/c\/[A-Za-z0-9_-]+/g,
      (u: string) => args.targets[u] ?? u,
    );
  }
  for (const el of [...document.querySelectorAll('[href]')]) {
    const href = el.getAttribute('href') ?? '';
    if (args.targets[href] !== undefined) el.setAttribute('href', args.targets[href]);
    const resolved = el.href;
    if (typeof resolved === 'string') el.setAttribute('href', resolved);
  }
  for (const el of [...document.querySelectorAll('*')]) {
    el.removeAttribute('data-msys-clicktrack');
    el.removeAttribute('data-msys-linkname');
  }
  return { html: document.documentElement.outerHTML, topFirst, bottomLast };
}

describe('tracking rewrite: HTML corpus renders the same in Chromium', () => {
  let browser: Browser;
  let page: Page;
  before(async () => {
    // No images and no name resolution: nothing leaves the machine (routing every request through
    // Playwright would cost a round trip per image).
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--blink-settings=imagesEnabled=false', '--host-resolver-rules=MAP * ~NOTFOUND'],
    });
    page = await (await browser.newContext({ javaScriptEnabled: false })).newPage();
  });
  after(async () => {
    await browser?.close();
  });

  async function dom(html: string, targets: Record<string, string>): Promise<Dom> {
    await page.setContent(html, { waitUntil: 'domcontentloaded' });
    return page.evaluate(normalise, { base: BASE, targets });
  }

  for (const [name, original] of documents()) {
    it(name, async () => {
      const tracked = await trackedHtml(original);
      const found = findTracking(tracked);
      assert.deepEqual(found.bad, []);
      assert.deepEqual(
        found.pixels.map((p) => p.kind),
        ['initial_open', 'open'],
      );
      assert.ok(found.pixels.every((p) => p.rcpt === 'reader@example.org'));
      const targets: Record<string, string> = {};
      for (const url of tracked.match(/https:\/\/t\.example\.net\/c\/[A-Za-z0-9_-]+/g) ?? []) {
        const verified = keyring.verify(url.slice(`${BASE}/c/`.length));
        assert.ok(verified?.url, url);
        targets[url] = verified.url;
      }
      assert.equal(Object.keys(targets).length, EXPECTED_LINKS[name], 'links wrapped');
      const before = await dom(original, {});
      const afterTracking = await dom(tracked, targets);
      assert.ok(afterTracking.topFirst, 'the initial_open pixel is the first thing in the body');
      assert.ok(afterTracking.bottomLast, 'the open pixel is the last element of the body');
      assert.equal(afterTracking.html, before.html);
    });
  }

  it('a document tracked twice over keeps one set of wrapped links', async () => {
    const once = await trackedHtml(readFileSync(new URL('no-body.html', FIXTURES), 'utf8'));
    const twice = track(message(['Content-Type: text/html; charset=utf-8'], crlf(once)), {
      openTracking: false,
    });
    assert.equal(twice.links, 0);
  });
});
