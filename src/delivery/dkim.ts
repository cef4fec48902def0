// DKIM signing at delivery time, after any body rewriting (UG50 §3.3.1.33.1, §3.3.10.19–30).
// Key choice follows PowerMTA: walk the VirtualMTA's keys, then its pool's, then the global ones,
// and take the first whose domain is the signing identity's domain or a parent of it (`*` matches
// any identity). The identity is the Sender: address, else From:, unless `dkim-identity` says otherwise.
import { readFileSync } from 'node:fs';
import { dkimSign } from 'mailauth/lib/dkim/sign.js';
import { configPath, type DomainKey, type DomainSettings, type OutpostConfig } from '../config/index.js';

/** Headers PowerMTA always signs when present (UG50 §3.3.10.27). */
const SIGNED_HEADERS = [
  'Cc',
  'Content-Description',
  'Content-Id',
  'Content-Transfer-Encoding',
  'Content-Type',
  'Date',
  'From',
  'In-Reply-To',
  'List-Archive',
  'List-Help',
  'List-Id',
  'List-Owner',
  'List-Post',
  'List-Subscribe',
  'List-Unsubscribe',
  'Message-ID',
  'MIME-Version',
  'References',
  'Reply-To',
  'Resent-Cc',
  'Resent-Date',
  'Resent-From',
  'Resent-Message-ID',
  'Resent-Sender',
  'Resent-To',
  'Sender',
  'Subject',
  'To',
];
/** Never signed, even when `dkim-headers` names them. */
const NEVER_SIGNED = new Set([
  'bcc',
  'comments',
  'dkim-signature',
  'keywords',
  'received',
  'resent-bcc',
  'return-path',
]);

export interface SigningKey {
  selector: string;
  /** The d= domain. */
  domain: string;
  privateKey: string;
}

/** Keys in PowerMTA's search order for a VirtualMTA (and the pool it was chosen from). */
export function candidateKeys(config: OutpostConfig, vmta?: string, pool?: string): DomainKey[] {
  return [
    ...(vmta ? (config.virtualMtas.get(vmta)?.settings['domain-key'] ?? []) : []),
    ...(pool ? (config.pools.get(pool)?.settings['domain-key'] ?? []) : []),
    ...config.global['domain-key'],
  ];
}

const addressDomain = (value: string | undefined) => {
  const match = value?.match(/<?[^\s<>@]+@([^\s<>]+?)>?\s*$/) ?? value?.match(/@([A-Za-z0-9.-]+)/);
  return match?.[1]?.toLowerCase();
};

/** The signing identity's domain, per `dkim-identity` (sender-or-from, @domain or an address). */
export function identityDomain(
  headers: ReadonlyArray<readonly [string, string]>,
  settings: Pick<DomainSettings, 'dkim-identity'>,
): string | undefined {
  const identity = settings['dkim-identity'] ?? 'sender-or-from';
  if (identity !== 'sender-or-from')
    return addressDomain(identity.startsWith('@') ? `x${identity}` : identity);
  const find = (name: string) => headers.find(([n]) => n.toLowerCase() === name)?.[1];
  return addressDomain(find('sender')) ?? addressDomain(find('from'));
}

/** Reads key files once per path; an unreadable key is reported by `load`, not at every message. */
export class DkimKeyStore {
  private readonly cache = new Map<string, string>();

  constructor(private readonly config: OutpostConfig) {}

  privateKey(file: string): string {
    const path = configPath(this.config, file);
    let pem = this.cache.get(path);
    if (pem === undefined) {
      pem = readFileSync(path, 'utf8');
      this.cache.set(path, pem);
    }
    return pem;
  }

  /** The first key whose domain covers the identity domain, or undefined (the message goes unsigned). */
  keyFor(keys: DomainKey[], domain: string | undefined): SigningKey | undefined {
    if (!domain) return undefined;
    const key = keys.find((k) => k.domain === '*' || domain === k.domain || domain.endsWith(`.${k.domain}`));
    if (!key) return undefined;
    return {
      selector: key.selector,
      domain: key.domain === '*' ? domain : key.domain,
      privateKey: this.privateKey(key.keyFile),
    };
  }
}

/** Which header names to sign: PowerMTA's list plus `dkim-headers` (names or regexes) present in the message. */
function headerList(headers: ReadonlyArray<readonly [string, string]>, settings: DomainSettings): string {
  const names = new Set(SIGNED_HEADERS.map((h) => h.toLowerCase()));
  for (const extra of settings['dkim-headers']) {
    if (typeof extra === 'string') names.add(extra.toLowerCase());
    else for (const [name] of headers) if (extra.test(name)) names.add(name.toLowerCase());
  }
  return [...names].filter((n) => !NEVER_SIGNED.has(n)).join(':');
}

/** Returns the message with a DKIM-Signature header in front. Throws if the key cannot sign. */
export async function signMessage(
  message: Buffer,
  headers: ReadonlyArray<readonly [string, string]>,
  key: SigningKey,
  settings: DomainSettings,
  now = Date.now(),
): Promise<Buffer> {
  const expires = settings['dkim-expire-after'];
  // mailauth 4.x reads the key from `signatureData` and a colon-separated `headerList` string,
  // whatever its typings say; the cast keeps the compiler out of that disagreement.
  const options = {
    signatureData: [
      {
        signingDomain: key.domain,
        selector: key.selector,
        privateKey: key.privateKey,
        algorithm: settings['dkim-algorithm'],
        canonicalization: `${settings['dkim-headers-canon']}/${settings['dkim-body-canon']}`,
      },
    ],
    headerList: headerList(headers, settings),
    ...(settings['dkim-add-timestamp'] ? { signTime: new Date(now) } : {}),
    ...(Number.isFinite(expires) ? { expires: new Date(now + expires * 1000) } : {}),
  };
  const result = await dkimSign(message, options as unknown as Parameters<typeof dkimSign>[1]);
  const failure = (result.errors as unknown as Array<{ err?: Error }> | null)?.[0];
  if (failure) throw failure.err ?? new Error('DKIM signing failed');
  if (!result.signatures.trim()) throw new Error('DKIM signing produced no signature');
  return Buffer.concat([Buffer.from(result.signatures), message]);
}
