// SMTP paths and parameters of MAIL FROM / RCPT TO (RFC 5321 §4.1.2, RFC 3461, RFC 6531).
// Parsing is strict about what decides routing (the domain) and lenient only where that is harmless
// (a space after the colon, a missing pair of angle brackets around a plain address).
import { domainToASCII } from 'node:url';

export interface Mailbox {
  /** Local part as written (quotes kept). */
  local: string;
  /** Domain as written (or the address literal, brackets kept). */
  domain: string;
  /** Lower-case A-label form, no trailing dot: what routing and relay checks compare. */
  canonicalDomain: string;
  quoted: boolean;
  literal: boolean;
  /** The at-domains of an RFC 5321 source route, which we ignore as §3.6.1 says we should. */
  route: string[];
}

export interface ParsedPath {
  /** Text between the angle brackets as the client sent it ('' for `<>`). */
  raw: string;
  /** undefined for the null path `<>`. */
  mailbox?: Mailbox;
  params: Map<string, string>;
}

export class AddressSyntaxError extends Error {}

const ATEXT = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~\u0080-\u{10ffff}]+$/u;
const LDH_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const XTEXT = /^(?:[!-*,-<>-~]|\+[0-9A-F]{2})*$/;
/** Built once: MAIL and RCPT each parse one per command. */
const KEYWORD = { FROM: /^FROM:\s*/i, TO: /^TO:\s*/i };

/**
 * `FROM:<path> params` / `TO:<path> params`: `keyword` is FROM or TO. With `postmasterDomain`, a
 * bare `<postmaster>` is that domain's postmaster (RFC 5321 §4.5.1 requires accepting it).
 */
export function parsePathArgument(
  args: string,
  keyword: 'FROM' | 'TO',
  postmasterDomain?: string,
): ParsedPath {
  const match = KEYWORD[keyword].exec(args);
  if (!match) throw new AddressSyntaxError(`syntax: expected ${keyword}:<address>`);
  let rest = args.slice(match[0].length);
  let raw: string;
  if (rest.startsWith('<')) {
    const end = closingBracket(rest);
    raw = rest.slice(1, end);
    rest = rest.slice(end + 1);
  } else {
    // Some clients omit the brackets; accept a plain address without spaces.
    const space = rest.indexOf(' ');
    raw = space < 0 ? rest : rest.slice(0, space);
    rest = space < 0 ? '' : rest.slice(space);
  }
  if (rest !== '' && !rest.startsWith(' ')) throw new AddressSyntaxError('syntax: junk after the address');
  const params = parseParams(rest.trim());
  if (raw === '') return { raw, params };
  if (postmasterDomain && raw.toLowerCase() === 'postmaster') {
    return { raw, mailbox: parseMailbox(`${raw}@${postmasterDomain}`), params };
  }
  return { raw, mailbox: parseMailbox(raw), params };
}

/** Index of the `>` that closes the path, skipping quoted strings. */
function closingBracket(text: string): number {
  let quoted = false;
  for (let i = 1; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === '\\') i++;
    else if (c === '"') quoted = !quoted;
    else if (c === '>' && !quoted) return i;
  }
  throw new AddressSyntaxError('syntax: missing ">"');
}

function parseParams(text: string): Map<string, string> {
  const params = new Map<string, string>();
  if (text === '') return params;
  for (const word of text.split(/ +/)) {
    const eq = word.indexOf('=');
    const key = (eq < 0 ? word : word.slice(0, eq)).toUpperCase();
    if (!/^[A-Z0-9][A-Z0-9-]*$/.test(key)) throw new AddressSyntaxError(`syntax: bad parameter "${word}"`);
    if (params.has(key)) throw new AddressSyntaxError(`syntax: parameter ${key} given twice`);
    params.set(key, eq < 0 ? '' : word.slice(eq + 1));
  }
  return params;
}

/** `[@a,@b:]local@domain`. */
export function parseMailbox(text: string): Mailbox {
  let rest = text;
  const route: string[] = [];
  if (rest.startsWith('@')) {
    const colon = rest.indexOf(':');
    if (colon < 0) throw new AddressSyntaxError('syntax: bad source route');
    for (const hop of rest.slice(0, colon).split(',')) {
      if (!hop.startsWith('@')) throw new AddressSyntaxError('syntax: bad source route');
      checkDomain(hop.slice(1));
      route.push(hop.slice(1));
    }
    rest = rest.slice(colon + 1);
  }
  const at = rest.lastIndexOf('@');
  if (at <= 0) throw new AddressSyntaxError('syntax: expected local-part@domain');
  const local = rest.slice(0, at);
  const domain = rest.slice(at + 1);
  const quoted = local.startsWith('"');
  if (quoted ? !validQuoted(local) : !local.split('.').every((atom) => ATEXT.test(atom))) {
    throw new AddressSyntaxError('syntax: bad local part');
  }
  if (Buffer.byteLength(local) > 64 * 4) throw new AddressSyntaxError('syntax: local part too long');
  const literal = domain.startsWith('[');
  const canonicalDomain = literal ? checkLiteral(domain) : checkDomain(domain);
  return { local, domain, canonicalDomain, quoted, literal, route };
}

function validQuoted(local: string): boolean {
  if (local.length < 2 || !local.endsWith('"')) return false;
  const inner = local.slice(1, -1);
  for (let i = 0; i < inner.length; i++) {
    const code = inner.charCodeAt(i);
    if (code === 92) {
      const next = inner.charCodeAt(++i);
      if (!(next >= 32 && next <= 126)) return false;
    } else if (code === 34 || code < 32 || code === 127) return false;
  }
  return true;
}

function checkLiteral(domain: string): string {
  const inner = /^\[(?:(\d{1,3}(?:\.\d{1,3}){3})|IPv6:([0-9a-f:.]+))\]$/i.exec(domain);
  if (!inner || inner[1]?.split('.').some((o) => Number(o) > 255)) {
    throw new AddressSyntaxError('syntax: bad address literal');
  }
  return domain.toLowerCase();
}

/**
 * Checks each label and returns the canonical (A-label, lower-case) domain. A non-ASCII label must
 * convert on its own to a single A-label: characters that IDNA maps to a dot (U+FF0E, U+3002, …)
 * would otherwise let `relay．example` pass as `relay.example`.
 */
export function checkDomain(domain: string): string {
  const bare = domain.endsWith('.') ? domain.slice(0, -1) : domain;
  if (bare === '' || bare.length > 253) throw new AddressSyntaxError('syntax: bad domain');
  const labels = bare.split('.').map((label) => {
    if (LDH_LABEL.test(label)) return label.toLowerCase();
    const ascii = /[\u0080-\u{10ffff}]/u.test(label) ? domainToASCII(label) : '';
    if (ascii === '' || ascii.includes('.') || !LDH_LABEL.test(ascii)) {
      throw new AddressSyntaxError('syntax: bad domain');
    }
    return ascii;
  });
  return labels.join('.');
}

/** RFC 3461 xtext → text; undefined when malformed. */
export function decodeXtext(value: string): string | undefined {
  if (!XTEXT.test(value)) return undefined;
  return value.replace(/\+([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

/** The address delivery uses: the mailbox without its route, domain in canonical form. */
export const canonicalAddress = (m: Mailbox) => `${m.local}@${m.canonicalDomain}`;
