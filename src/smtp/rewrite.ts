// `<rewrite-list>` `mail-from SOURCE TARGET` rules (powermta.md §2.4; UG50 §3.3.18). SOURCE is
// `a@b` (exact), `a@*` (any domain), `*@b` (any local part), `*@*` (anything but `<>`) or `<>`.
// In TARGET a `*` copies that part of the original address; `<>` makes the null sender. The first
// matching rule wins. Comparison ignores case; the copied parts keep the sender's spelling.
import type { AddressRewrite } from '../config/index.js';
import { normalizeDomain } from '../config/index.js';

function split(address: string): [string, string] {
  const at = address.lastIndexOf('@');
  return at < 0 ? [address, ''] : [address.slice(0, at), address.slice(at + 1)];
}

function sourceMatches(pattern: string, address: string): boolean {
  if (pattern === '<>') return address === '';
  if (address === '') return false;
  const [pLocal, pDomain] = split(pattern);
  const [local, domain] = split(address);
  const localOk = pLocal === '*' || pLocal.toLowerCase() === local.toLowerCase();
  const domainOk = pDomain === '*' || normalizeDomain(pDomain) === normalizeDomain(domain);
  return localOk && domainOk;
}

function applyTarget(target: string, address: string): string {
  if (target === '<>') return '';
  const [tLocal, tDomain] = split(target);
  const [local, domain] = split(address);
  return `${tLocal === '*' ? local : tLocal}@${tDomain === '*' ? domain : tDomain}`;
}

/** MAIL FROM after the list's first matching `mail-from` rule ('' is the null sender). */
export function rewriteMailFrom(rules: readonly AddressRewrite[] | undefined, address: string): string {
  for (const rule of rules ?? []) {
    if (rule.kind === 'mail-from' && sourceMatches(rule.from, address)) return applyTarget(rule.to, address);
  }
  return address;
}
