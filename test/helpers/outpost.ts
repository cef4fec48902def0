// Outpost started in-process from config text, wired exactly as `outpost start` wires it, and stopped
// when the test ends; plus a DKIM key pair for `domain-key` lines.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { hasErrors, loadConfigText } from '../../src/config/index.js';
import type { OutpostEvent } from '../../src/events/index.js';
import { silentLogger } from '../../src/logging.js';
import { type Runtime, startOutpost } from '../../src/main.js';
import type { SmtpService } from '../../src/smtp/service.js';

export async function startRuntime(
  t: TestContext,
  configText: string,
  dir: string,
): Promise<{ runtime: Runtime; port: number; events: OutpostEvent[] }> {
  const { config, diagnostics } = loadConfigText(configText, join(dir, 'outpost.config'));
  assert.ok(!hasErrors(diagnostics), JSON.stringify(diagnostics.filter((d) => d.severity === 'error')));
  const runtime = await startOutpost(config, { log: silentLogger() });
  t.after(() => runtime.stop());
  const events: OutpostEvent[] = [];
  runtime.bus.subscribe((e) => events.push(e));
  const smtp = runtime.services.find((s) => s.name === 'smtp') as SmtpService;
  return { runtime, port: smtp.addresses()[0]!.port, events };
}

/** Writes a fresh 2048-bit private key to DIR/dkim.pem and returns its DNS TXT record. */
export function dkimKey(dir: string): string {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(join(dir, 'dkim.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
  return `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`;
}
