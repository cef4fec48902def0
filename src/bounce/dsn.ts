// RFC 3464 delivery-status reports: the message/delivery-status body is a per-message field block
// followed by one block per recipient, separated by blank lines (§2.1). Real reports bend this:
// some put everything in one block, some repeat per-message fields per recipient, so a block is
// taken as a recipient block when it names a recipient, and per-message fields are read from the
// first block in any case.
import type { Field } from './mime.js';
import { field, parseFields } from './mime.js';
import { addressOf, mtaName, type RawRecipient } from './recipient.js';

export interface DeliveryStatus {
  reportingMta?: string;
  arrivalDate?: string;
  envId?: string;
  recipients: RawRecipient[];
}

const NAMES_RECIPIENT = (fields: readonly Field[]) =>
  field(fields, 'Final-Recipient') !== undefined || field(fields, 'Original-Recipient') !== undefined;

function recipientOf(fields: readonly Field[]): RawRecipient | undefined {
  const final = addressOf(field(fields, 'Final-Recipient'));
  const original = addressOf(field(fields, 'Original-Recipient'));
  const address = final ?? original;
  if (!address) return undefined;
  const raw: RawRecipient = { address };
  if (original) raw.originalRecipient = original;
  const set = (key: keyof RawRecipient, value: string | undefined) => {
    if (value) raw[key] = value;
  };
  set('action', field(fields, 'Action'));
  set('status', field(fields, 'Status'));
  const diagnostic = field(fields, 'Diagnostic-Code');
  if (diagnostic) {
    const semi = diagnostic.indexOf(';');
    const typed = semi > 0 && /^[\w-]+$/.test(diagnostic.slice(0, semi).trim());
    raw.diagType = typed ? diagnostic.slice(0, semi).trim() : 'smtp';
    raw.diagnostic = typed ? diagnostic.slice(semi + 1).trim() : diagnostic.trim();
  }
  set('remoteMta', mtaName(field(fields, 'Remote-MTA')));
  return raw;
}

/** Reads the body of a message/delivery-status (or message/global-delivery-status) part. */
export function parseDeliveryStatus(text: string): DeliveryStatus {
  const blocks = text
    .replace(/\r\n/g, '\n')
    .split(/\n[ \t]*\n/)
    .map((block) => parseFields(block))
    .filter((fields) => fields.length > 0);
  const first = blocks[0] ?? [];
  const out: DeliveryStatus = { recipients: [] };
  const reporting = mtaName(field(first, 'Reporting-MTA'));
  if (reporting) out.reportingMta = reporting;
  const arrival = field(first, 'Arrival-Date');
  if (arrival) out.arrivalDate = arrival;
  const envId = field(first, 'Original-Envelope-Id');
  if (envId) out.envId = envId;
  for (const block of blocks) {
    if (!NAMES_RECIPIENT(block)) continue;
    const raw = recipientOf(block);
    if (raw) out.recipients.push(raw);
  }
  return out;
}

/** A text part that is a delivery-status body sent as text/plain (PowerMTA's `dsn-format plain-text`). */
export function looksLikeDeliveryStatus(text: string): boolean {
  return (
    /^Reporting-MTA:/im.test(text) && /^Final-Recipient:/im.test(text) && /^(Action|Status):/im.test(text)
  );
}
