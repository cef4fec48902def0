// The bytes that go to one next hop: the spooled message with the queue's `remove-header` fields
// dropped, an `X-Outpost-Ref:` header that lets the bounce and FBL processors tie a report back to
// the message (message id, job, VirtualMTA, pool, subaccount: what PowerMTA's docs advise a custom
// header for), `X-Virtual-MTA:` when the source asked for it, and a DKIM signature when the queue
// has `dkim-sign yes` and a key covers the identity. Signing comes last, after every other change.

import { encodeRef, REF_HEADER } from '../bounce/original.js';
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
  const original = parseHeaders(body);
  const drop = new Set([...settings['remove-header'].map((h) => h.toLowerCase()), REF_HEADER.toLowerCase()]);
  const removed = new Set(original.fields.filter((f) => drop.has(f.key)));
  const addVmta =
    envelope.delivery?.addVirtualMtaHeader && !original.fields.some((f) => f.key === 'x-virtual-mta');
  // The reference the bounce and FBL processors read back from a returned original (src/bounce).
  const ref = encodeRef({
    messageId: envelope.messageId,
    ...(envelope.jobId ? { jobId: envelope.jobId } : {}),
    vmta: queue.vmta,
    ...(pool ? { pool } : {}),
    ...(envelope.subaccountId !== undefined ? { subaccountId: envelope.subaccountId } : {}),
  });
  const added: Array<[string, string]> = [[REF_HEADER, ref]];
  if (addVmta) added.push(['X-Virtual-MTA', queue.vmta]);
  const bytes = rebuild(body, original, removed, '', added.map(([n, v]) => `${n}: ${v}\r\n`).join(''));
  // The fields as they are now, without parsing the new bytes again: the kept ones, then ours.
  const headers = original.fields
    .filter((f) => !removed.has(f))
    .map((f): [string, string] => [f.name, f.value]);
  headers.push(...added);
  if (settings['dkim-sign'] !== true) return { bytes, headers };
  const key = keys.keyFor(candidateKeys(config, queue.vmta, pool), identityDomain(headers, settings));
  if (!key) return { bytes, headers };
  return {
    bytes: await signMessage(bytes, headers, key, settings),
    headers,
    signedBy: `${key.selector}._domainkey.${key.domain}`,
  };
}
