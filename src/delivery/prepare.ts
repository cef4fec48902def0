// The bytes that go to one next hop: the spooled message with the queue's `remove-header` fields
// dropped, `X-Virtual-MTA:` added when the source asked for it, and a DKIM signature when the queue
// has `dkim-sign yes` and a key covers the identity. Signing comes last, after every other change.
import type { DomainSettings, OutpostConfig } from '../config/index.js';
import type { DomainQueue } from '../queue/domain-queue.js';
import type { DeliveryEnvelope } from '../queue/message.js';
import { type HeaderSection, parseHeaders, rebuild } from '../smtp/headers.js';
import { candidateKeys, type DkimKeyStore, identityDomain, signMessage } from './dkim.js';

export interface PreparedMessage {
  bytes: Buffer;
  /** Header fields as [name, value], for events and accounting `header_*` fields. */
  headers: Array<[string, string]>;
  /** The key the message was signed with, when it was. */
  signedBy?: string;
}

export function headerPairs(section: HeaderSection): Array<[string, string]> {
  return section.fields.map((f) => [f.name, f.value]);
}

export async function prepareMessage(
  config: OutpostConfig,
  keys: DkimKeyStore,
  queue: DomainQueue,
  envelope: DeliveryEnvelope,
  body: Buffer,
  pool: string | undefined,
): Promise<PreparedMessage> {
  const settings: DomainSettings = queue.settings;
  let section = parseHeaders(body);
  const drop = new Set(settings['remove-header'].map((h) => h.toLowerCase()));
  const removed = new Set(section.fields.filter((f) => drop.has(f.key)));
  const addVmta =
    envelope.delivery?.addVirtualMtaHeader && !section.fields.some((f) => f.key === 'x-virtual-mta');
  let bytes = body;
  if (removed.size > 0 || addVmta) {
    bytes = rebuild(body, section, removed, '', addVmta ? `X-Virtual-MTA: ${queue.vmta}\r\n` : '');
    section = parseHeaders(bytes);
  }
  const headers = headerPairs(section);
  if (settings['dkim-sign'] !== true) return { bytes, headers };
  const key = keys.keyFor(candidateKeys(config, queue.vmta, pool), identityDomain(headers, settings));
  if (!key) return { bytes, headers };
  return {
    bytes: await signMessage(bytes, headers, key, settings),
    headers,
    signedBy: `${key.selector}._domainkey.${key.domain}`,
  };
}
