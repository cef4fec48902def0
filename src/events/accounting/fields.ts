// Accounting columns: the default field set of each record type, `record-fields` resolution
// (`*`, `!field`, `header_NAME`), and the header line of a file that holds several types
// (reference powermta.md §3.2–3.3).
import type { RecordFields, RecordType } from '../../config/directives/blocks.js';

const DELIVERY_FIELDS = [
  'type',
  'timeLogged',
  'timeQueued',
  'orig',
  'rcpt',
  'orcpt',
  'dsnAction',
  'dsnStatus',
  'dsnDiag',
  'dsnMta',
  'bounceCat',
  'srcType',
  'srcMta',
  'dlvType',
  'dlvSourceIp',
  'dlvDestinationIp',
  'dlvEsmtpAvailable',
  'dlvSize',
  'vmta',
  'jobId',
  'envId',
  'queue',
  'vmtaPool',
];

/**
 * Default `*` set per type, in column order. d/b/t follow a real 5.x header line. The orders of tq,
 * r, f, rb and rs are UNCONFIRMED in the guide; these follow its samples (tq, r, rb) or its field list.
 */
export const DEFAULT_FIELDS: Record<RecordType, readonly string[]> = {
  d: DELIVERY_FIELDS,
  b: DELIVERY_FIELDS,
  t: DELIVERY_FIELDS,
  tq: [
    'type',
    'timeLogged',
    'dsnStatus',
    'dsnDiag',
    'dsnMta',
    'dlvType',
    'dlvSourceIp',
    'dlvDestinationIp',
    'vmta',
    'queue',
  ],
  r: [
    'type',
    'timeLogged',
    'orig',
    'rcpt',
    'orcpt',
    'srcType',
    'srcMta',
    'rcvSourceIp',
    'rcvDestinationIp',
    'vmta',
    'jobId',
    'envId',
    'vmtaPool',
  ],
  f: [
    'type',
    'timeLogged',
    'repSourceIp',
    'feedbackType',
    'format',
    'userAgent',
    'envId',
    'orig',
    'rcpt',
    'reportingMta',
    'dlvSourceIp',
    'reportedDomain',
    'header_From',
    'header_Return-Path',
    'header_X-job',
    'header_Subject',
  ],
  rb: [
    'type',
    'timeLogged',
    'orig',
    'rcpt',
    'orcpt',
    'dsnStatus',
    'dsnDiag',
    'dsnMta',
    'dsnReportingMta',
    'bounceCat',
    'srcType',
    'srcMta',
    'envId',
    'format',
  ],
  rs: [
    'type',
    'timeLogged',
    'orig',
    'rcpt',
    'orcpt',
    'dsnAction',
    'dsnStatus',
    'dsnDiag',
    'dsnMta',
    'bounceCat',
    'srcType',
    'srcMta',
    'envId',
    'format',
  ],
};

/** Every field name Outpost can fill, besides `header_*` and `arf_*`. */
export const KNOWN_FIELDS = new Set([
  ...Object.values(DEFAULT_FIELDS).flat(),
  'timeFirstAttempt',
  'totalSecondsQueued',
  'userString',
  'dlvTlsProtocol',
  'dlvTlsCipher',
  'rcvSmtpUser',
]);

/** One type's columns: `*` expands to the default set, `!x` removes x, anything else is appended. */
export function fieldsFor(type: RecordType, specs: readonly RecordFields[]): string[] {
  const spec = specs.filter((s) => s.type === type).flatMap((s) => s.fields);
  if (spec.length === 0) return [...DEFAULT_FIELDS[type]];
  const out: string[] = ['type'];
  const removed = new Set(spec.filter((f) => f.startsWith('!')).map((f) => f.slice(1).toLowerCase()));
  const add = (field: string) => {
    if (!removed.has(field.toLowerCase()) && !out.some((f) => f.toLowerCase() === field.toLowerCase()))
      out.push(field);
  };
  for (const field of spec) {
    if (field === '*') DEFAULT_FIELDS[type].forEach(add);
    else if (!field.startsWith('!')) add(field);
  }
  return out;
}

/** Types in the order their columns join a shared header line (after a real 5.x d,b,f,rb,r file). */
const UNION_ORDER: RecordType[] = ['d', 'b', 't', 'tq', 'f', 'r', 'rb', 'rs'];

/** The header of a file with several record types: the union of their columns, `type` first. */
export function unionColumns(types: readonly RecordType[], specs: readonly RecordFields[]): string[] {
  const columns: string[] = [];
  for (const type of UNION_ORDER.filter((t) => types.includes(t))) {
    for (const field of fieldsFor(type, specs)) {
      if (!columns.some((c) => c.toLowerCase() === field.toLowerCase())) columns.push(field);
    }
  }
  return columns;
}

/** A field name Outpost does not know (a typo in record-fields) is worth a warning, not silence. */
export function isKnownField(field: string): boolean {
  return KNOWN_FIELDS.has(field) || /^(header|arf)_./i.test(field);
}
