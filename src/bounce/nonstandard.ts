// Bounces without a delivery-status part, read from their text: qmail, Yahoo (qmail-like), Exim's
// and old Sendmail's and old Postfix's plain-text reports, Exchange NDRs, and, last, any notice that
// says a message could not be delivered. Each reader finds the section that lists the failed
// addresses and takes the diagnostic from the lines under each address.
import { type Field, parseFields } from './mime.js';
import type { RawRecipient } from './recipient.js';

export interface TextBounce {
  format: string;
  recipients: RawRecipient[];
  /** Headers of the original when it is quoted inline after a separator line. */
  originalHeaders?: Field[];
}

const ADDRESS = /<?([^\s<>"'(),;:@]+@[a-z0-9.-]+\.[a-z]{2,})>?/i;
const REPLY = /\b([45]\d\d)[ -](?:#?([45]\.\d{1,3}\.\d{1,3})\s*)?.*/;
const ENHANCED_HASH = /#\s*([45]\.\d{1,3}\.\d{1,3})/;

/** Separators after which a bounce quotes the original message. */
const ORIGINAL_START =
  /^\s*(?:--- Below this line is a copy of the message\.?|--- Enclosed (?:is a copy of the message|are the original headers(?: of the message)?)\.?|-+ This is a copy of the message, including all the headers\.? -+|-+ The (?:body|header) of the message is .*-+|-+ (?:Original message|Unsent message|Message header|Returned message|Original message headers?) (?:follows )?-+|-+ ?(?:Original|Returned) (?:message|mail) ?-+|Below is a copy of the original message:)\s*$/im;

interface Block {
  address: string;
  lines: string[];
}

/** Lines starting with an address (`<a>:` when unindented), each with the lines under it until a blank. */
function addressBlocks(section: string, indented: boolean): Block[] {
  const blocks: Block[] = [];
  let current: Block | undefined;
  for (const line of section.split(/\r?\n/)) {
    const head = line.match(
      // Unindented lists start each address at the left margin; an indented `<address>:` is a
      // wrapped diagnostic line that quotes the address again (Postfix).
      indented ? /^\s{1,4}<?([^\s<>@]+@[^\s<>:,]+)>?:?(,.*)?\s*$/ : /^<([^\s<>@]+@[^\s<>]+)>:\s*(.*)$/,
    );
    if (head?.[1] && ADDRESS.test(head[1])) {
      current = { address: head[1].replace(/\.$/, ''), lines: [] };
      blocks.push(current);
      if (!indented && head[2]) current.lines.push(head[2]);
    } else if (line.trim() === '') {
      if (current && current.lines.length > 0) current = undefined;
    } else current?.lines.push(line.trim());
  }
  return blocks;
}

function diagnosticOf(lines: readonly string[]): Pick<RawRecipient, 'diagnostic' | 'status' | 'diagType'> {
  const text = lines.join(' ').replace(/\s+/g, ' ').trim();
  const out: Pick<RawRecipient, 'diagnostic' | 'status' | 'diagType'> = {};
  const reply = text.match(REPLY);
  out.diagnostic = reply ? reply[0].trim() : text;
  // A reply the remote sent is `smtp`; the reporting MTA's own words are marked as text.
  out.diagType = reply ? 'smtp' : 'x-text';
  const hash = text.match(ENHANCED_HASH)?.[1];
  if (hash) out.status = hash;
  if (out.diagnostic === '') delete out.diagnostic;
  return out;
}

function between(text: string, start: RegExp, end: RegExp = ORIGINAL_START): string | undefined {
  const at = text.search(start);
  if (at < 0) return undefined;
  const rest = text.slice(at).replace(start, '');
  const stop = rest.search(end);
  return stop < 0 ? rest : rest.slice(0, stop);
}

function fromBlocks(blocks: Block[], action: string): RawRecipient[] {
  return blocks.map((b) => ({ address: b.address, action, ...diagnosticOf(b.lines) }));
}

interface Reader {
  format: string;
  read(text: string, subject: string): RawRecipient[] | undefined;
}

const READERS: Reader[] = [
  {
    format: 'qmail',
    read: (text) => {
      const section = between(
        text,
        /I'm afraid I wasn't able to deliver your message to the following addresses\.?/i,
      );
      return section === undefined ? undefined : fromBlocks(addressBlocks(section, false), 'failed');
    },
  },
  {
    format: 'yahoo',
    read: (text) => {
      const section = between(
        text,
        /Sorry,? we were unable to deliver your message to the following address(?:es)?\.?/i,
      );
      return section === undefined ? undefined : fromBlocks(addressBlocks(section, false), 'failed');
    },
  },
  {
    format: 'exim',
    read: (text) => {
      const failed = between(text, /The following address\(es\) failed:/i);
      if (failed !== undefined) return fromBlocks(addressBlocks(failed, true), 'failed');
      const delayed = between(text, /has not yet been delivered to one or more of its\s+recipients[^\n]*\n/i);
      return delayed === undefined ? undefined : fromBlocks(addressBlocks(delayed, true), 'delayed');
    },
  },
  { format: 'sendmail', read: readSendmail },
  {
    format: 'postfix',
    read: (text) => {
      const intro = /This is the (?:Postfix program|mail system) at host[^\n]*\n/i;
      if (!intro.test(text)) return undefined;
      // Translated or rebranded notices drop the signature line before the list: then the list
      // is read from the introduction on (its `<address>:` lines start at the left margin).
      const section = between(text, /^\s*The (?:Postfix program|mail system)\s*$/im) ?? between(text, intro);
      if (section === undefined) return undefined;
      return fromBlocks(
        addressBlocks(section, false),
        /THIS IS A WARNING ONLY/i.test(text) ? 'delayed' : 'failed',
      );
    },
  },
  { format: 'exchange', read: readExchange },
  { format: 'opensmtpd', read: readOpenSmtpd },
];

/** OpenSMTPD: one `address: reason` line per recipient between its two fixed sentences. */
function readOpenSmtpd(text: string): RawRecipient[] | undefined {
  const section = between(
    text,
    /(?:while attempting to deliver a message for|is delayed for more than [^\n]*for)\s+the following\s+list of recipients:/i,
    /^\s*(?:Below is a copy of the original message|Please note that this is only a temporary)/im,
  );
  if (section === undefined) return undefined;
  const action = /is delayed for more than/i.test(text) ? 'delayed' : 'failed';
  return [...section.matchAll(/^([^\s<>@:]+@[^\s<>:]+):\s*(.+)$/gm)].map((m) => ({
    address: m[1]!,
    action,
    ...diagnosticOf([m[2]!]),
  }));
}

function readSendmail(text: string): RawRecipient[] | undefined {
  const header = /-+ The following addresses had (permanent fatal|transient non-fatal) errors -+/i;
  const kind = text.match(header)?.[1];
  if (!kind) return undefined;
  const section = between(text, header, /^\s*-+ .* -+\s*$/m) ?? '';
  const transcript = between(text, /-+ Transcript of session follows -+/i) ?? '';
  const replies = transcript.split(/\r?\n/).filter((l) => /^(<<< )?[45]\d\d[ -]/.test(l.trim()));
  const action = kind.toLowerCase().startsWith('permanent') ? 'failed' : 'delayed';
  return section
    .split(/\r?\n/)
    .map((line) => line.match(/^\s*<?([^\s<>@]+@[^\s<>]+?)>?\s*$/)?.[1])
    .filter((a): a is string => a !== undefined)
    .map((address) => {
      const reason = section.match(/\(reason: ([^)]*)\)/)?.[1];
      const line = replies.find((r) => r.includes(address)) ?? replies.at(-1);
      return { address, action, ...diagnosticOf([reason ?? line?.replace(/^<<< /, '') ?? '']) };
    });
}

function readExchange(text: string): RawRecipient[] | undefined {
  if (
    !/Delivery has failed to these recipients or groups|did not reach (?:some or all of the intended recipients|the following recipient)|following recipient\(s\) (?:cannot|could not) be reached/i.test(
      text,
    )
  ) {
    return undefined;
  }
  const lines = text.split(/\r?\n/);
  const found = new Map<string, RawRecipient>();
  lines.forEach((line, i) => {
    const address = line.match(ADDRESS)?.[1];
    if (
      !address ||
      /^(From|To|Sent|Subject|Date|Generating server|Original message headers):/i.test(line.trim())
    )
      return;
    const near = lines.slice(i, i + 6).join(' ');
    const diag =
      near.match(/#?([45]\d\d[ -][45]\.\d{1,3}\.\d{1,3}[^#]*)#*/)?.[1] ??
      near.match(/Remote Server returned '([^']+)'/)?.[1];
    const hash = near.match(/<[^>]*#([45]\.\d{1,3}\.\d{1,3})[^>]*>/)?.[1];
    const previous = found.get(address.toLowerCase());
    if (previous?.diagnostic && !diag) return;
    const raw: RawRecipient = { address, action: 'failed' };
    if (diag) Object.assign(raw, diagnosticOf([diag.trim()]));
    else if (/^\s*\S+@\S+ on /.test(line)) {
      // Exchange 5.5's IMS lists `address on date` with its own words under it, no SMTP reply.
      const under = lines.slice(i + 1, i + 4);
      const end = under.findIndex((l) => l.trim() === '');
      Object.assign(raw, diagnosticOf(end < 0 ? under : under.slice(0, end)));
    }
    if (hash) raw.status = hash;
    found.set(address.toLowerCase(), raw);
  });
  return [...found.values()].filter((r) => r.diagnostic || r.status);
}

const NOTICE =
  /undeliver|could not be delivered|couldn't be delivered|delivery (?:status notification|failure|has failed|failed)|failure notice|returned mail|non[- ]?delivery|mail delivery (?:failed|system)|permanent error/i;

/** Last resort: a notice that says delivery failed, naming an address and ideally a reply. */
function readPlainNotice(
  text: string,
  subject: string,
  exclude: readonly string[],
): RawRecipient[] | undefined {
  if (!NOTICE.test(subject) && !NOTICE.test(text.slice(0, 2000))) return undefined;
  const body = text.split(ORIGINAL_START)[0] ?? text;
  const skip = new Set(exclude.map((a) => a.toLowerCase()));
  const lines = body.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    for (const match of lines[i]!.matchAll(new RegExp(ADDRESS.source, 'gi'))) {
      const address = match[1]!;
      if (skip.has(address.toLowerCase()) || /^(mailer-daemon|postmaster)@/i.test(address)) continue;
      const window = lines.slice(i, i + 8);
      const reply = window.join(' ').match(REPLY)?.[0];
      const diag =
        reply ??
        lines
          .slice(i + 1, i + 4)
          .join(' ')
          .trim();
      return [{ address, action: 'failed', ...diagnosticOf([diag || lines[i]!]) }];
    }
  }
  return undefined;
}

/** Headers quoted after a separator line, when the bounce carries the original inline. */
export function inlineOriginal(text: string): Field[] | undefined {
  const match = ORIGINAL_START.exec(text);
  if (!match) return undefined;
  const rest = text.slice(match.index + match[0].length).replace(/^\s*\n/, '');
  const headers = parseFields(rest.split(/\r?\n\s*\r?\n/)[0] ?? '');
  return headers.length > 0 ? headers : undefined;
}

export function readTextBounce(
  input: string,
  subject: string,
  exclude: readonly string[],
): TextBounce | undefined {
  // One line ending: `.` does not match a stray \r at the end of a CRLF line.
  const text = input.replace(/\r\n?/g, '\n');
  for (const reader of READERS) {
    const recipients = reader.read(text, subject);
    if (recipients && recipients.length > 0) return withOriginal(reader.format, recipients, text);
  }
  const plain = readPlainNotice(text, subject, exclude);
  return plain ? withOriginal('plain', plain, text) : undefined;
}

function withOriginal(format: string, recipients: RawRecipient[], text: string): TextBounce {
  const originalHeaders = inlineOriginal(text);
  return originalHeaders ? { format, recipients, originalHeaders } : { format, recipients };
}

/**
 * What the human-readable part says about one recipient: the rest of the line naming it and the
 * lines under it. For DSNs whose delivery-status part has no Diagnostic-Code (Exim's local failures).
 */
export function describedFailure(text: string, address: string): string | undefined {
  const lines = text.split(/\r?\n/);
  const lower = address.toLowerCase();
  const i = lines.findIndex((l) => l.toLowerCase().includes(lower));
  if (i < 0) return undefined;
  const line = lines[i]!;
  const parts = [line.slice(line.toLowerCase().indexOf(lower) + lower.length).replace(/^[>:,\s]+/, '')];
  for (let j = i + 1; j < lines.length && j <= i + 4 && lines[j]!.trim() !== ''; j++)
    parts.push(lines[j]!.trim());
  const described = parts.join(' ').replace(/\s+/g, ' ').trim();
  return described === '' ? undefined : described;
}
