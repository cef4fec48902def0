// Headless Debian Chromium (installed by .ci/run) driven by playwright-core, for the dashboard
// tests: a fresh profile per test, no background traffic, and every host name except loopback
// unresolvable, so nothing leaves the machine.
import type { TestContext } from 'node:test';
import { type BrowserContext, chromium } from 'playwright-core';
import { tempDir } from './tmp.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchChromium(t: TestContext): Promise<BrowserContext> {
  const context = await chromium.launchPersistentContext(tempDir(t, 'outpost-chromium-'), {
    executablePath: CHROMIUM,
    headless: true,
    chromiumSandbox: false,
    viewport: { width: 1366, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
    ],
  });
  t.after(() => context.close());
  return context;
}
