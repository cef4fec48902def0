// SparkPost's bounce classification codes (reference sparkpost-api.md §3) and how a reply gets one.
// How PowerMTA maps its own categories to these classes is not published, so the mapping below is
// ours: start from the PowerMTA category, then let the reply text name a more specific class (a
// size limit, an auto-reply, spam content rather than a listed IP), as Momentum's classifier does.

export type BounceClassCategory = 'Hard' | 'Soft' | 'Block' | 'Admin' | 'Undetermined';

export interface BounceClass {
  code: number;
  name: string;
  description: string;
  category: BounceClassCategory;
}

const CLASSES: ReadonlyArray<readonly [number, string, string, BounceClassCategory]> = [
  [1, 'Undetermined', 'The response text could not be identified.', 'Undetermined'],
  [10, 'Invalid Recipient', 'The recipient is invalid.', 'Hard'],
  [20, 'Soft Bounce', 'The message soft bounced.', 'Soft'],
  [21, 'DNS Failure', 'The message bounced due to a DNS failure.', 'Soft'],
  [22, 'Mailbox Full', 'The message bounced due to the remote mailbox being over quota.', 'Soft'],
  [23, 'Too Large', 'The message bounced because it was too large for the recipient.', 'Soft'],
  [24, 'Timeout', 'The message timed out.', 'Soft'],
  [25, 'Admin Failure', "The message was failed by SparkPost's configured policies.", 'Admin'],
  [30, 'Generic Bounce: No RCPT', 'No recipient could be determined for the message.', 'Hard'],
  [40, 'Generic Bounce', 'The message failed for unspecified reasons.', 'Soft'],
  [50, 'Mail Block', 'The message was blocked by the receiver.', 'Block'],
  [51, 'Spam Block', 'The message was blocked by the receiver as coming from a known spam source.', 'Block'],
  [52, 'Spam Content', 'The message was blocked by the receiver as spam.', 'Block'],
  [
    53,
    'Prohibited Attachment',
    'The message was blocked by the receiver because it contained an attachment.',
    'Block',
  ],
  [
    54,
    'Relaying Denied',
    'The message was blocked by the receiver because relaying is not allowed.',
    'Block',
  ],
  [60, 'Auto-Reply', 'The message is an auto-reply/vacation mail.', 'Soft'],
  [70, 'Transient Failure', 'Message transmission has been temporarily delayed.', 'Soft'],
  [80, 'Subscribe', 'The message is a subscribe request.', 'Admin'],
  [90, 'Unsubscribe', 'The message is an unsubscribe request.', 'Hard'],
  [100, 'Challenge-Response', 'The message is a challenge-response probe.', 'Soft'],
];

export const BOUNCE_CLASSES: ReadonlyMap<number, BounceClass> = new Map(
  CLASSES.map(([code, name, description, category]) => [code, { code, name, description, category }]),
);

export function bounceClass(code: number): BounceClass {
  const found = BOUNCE_CLASSES.get(code);
  if (!found) throw new RangeError(`unknown SparkPost bounce class ${code}`);
  return found;
}

/** PowerMTA category → class, for the categories PowerMTA documents (custom ones fall to 40/70). */
const BY_CATEGORY: Record<string, number> = {
  'bad-mailbox': 10,
  'inactive-mailbox': 10,
  'bad-domain': 21,
  'routing-errors': 21,
  'quota-issues': 22,
  'message-expired': 24,
  'no-answer-from-host': 24,
  'spam-related': 51,
  'content-related': 52,
  'virus-related': 53,
  'relaying-issues': 54,
  'policy-related': 50,
  'invalid-sender': 50,
  'bad-connection': 70,
  'protocol-errors': 40,
  'bad-configuration': 40,
};

/** Texts that name a class whatever the category (a size limit is not a quota, an auto-reply is no bounce). */
const REFINE: ReadonlyArray<readonly [RegExp, number]> = [
  [
    /\b(auto[- ]?(reply|responder|response)|out of (the )?office|on vacation|vacation (reply|message))\b/i,
    60,
  ],
  [/\bchallenge[- ]response\b|\bverify you are (a )?human\b/i, 100],
  [
    /\b(message|mail|email)( size)? (is )?too (big|large)\b|\bsize (limit )?exceed|exceeds? (the )?(fixed |maximum |size )*(size )?limit|\b[45]\.(3\.4|2\.3)\b/i,
    23,
  ],
  [
    /\b(attachment|file type|extension|executable)s?\b.*\b(not (allowed|permitted)|prohibited|blocked|rejected|banned)\b/i,
    53,
  ],
  [/\bscored [\d.]+ points\b|\bspam score\b/i, 52],
];

const NO_CONNECTION =
  /\bconnect(ion)? (to \S+ )?(refused|timed out|reset)|\bconnection refused\b|no route to host|network is unreachable|\bno answer from host\b/i;

/** Within spam-related and content-related: a listed source (51) or the content itself (52). */
const LISTED = /\b(rbl|dnsbl|black ?list|block ?list|spamhaus|spamcop|barracuda|listed (at|in|on|by))\b/i;
const SPAM_CONTENT =
  /\b(spam|junk)\b.*\b(content|detected|score|scored|looks like|suspected)\b|\bcontent\b.*\bspam\b|scored [\d.]+ points/i;

/** For `other` and custom categories: texts the stock list has no pattern for. */
const FALLBACK: ReadonlyArray<readonly [RegExp, number]> = [
  [LISTED, 51],
  [SPAM_CONTENT, 52],
  [
    /\b(host|domain) (name )?(not found|unknown)\b|\bno (such domain|mx|mail hosts?)\b|\bdns (error|failure)|nxdomain|\b5\.1\.10\b/i,
    21,
  ],
  [/\bover ?quota\b|\binsufficient (system )?storage\b|\b[45]\.2\.2\b/i, 22],
  [/\btimed? ?out\b|\btoo old\b|\b[45]\.4\.7\b/i, 24],
];

/** For `other` and custom categories when the text says nothing known: the enhanced status. */
const BY_STATUS: Record<string, number> = {
  '1.0': 10,
  '1.1': 10,
  '1.3': 10,
  '1.6': 10,
  '2.1': 10,
  '1.2': 21,
  '1.10': 21,
  '4.4': 21,
  '2.2': 22,
  '2.3': 23,
  '3.4': 23,
  '4.7': 24,
  '7.1': 50,
  '7.27': 50,
};

export interface ClassInput {
  category: string;
  text: string;
  /** Enhanced status (`5.2.1`). */
  status: string;
  permanent: boolean | undefined;
}

const firstMatch = (rules: ReadonlyArray<readonly [RegExp, number]>, text: string) =>
  rules.find(([pattern]) => pattern.test(text))?.[1];

/** The SparkPost class for a failed reply; undefined for a success. */
export function classFor({ category, text, status, permanent }: ClassInput): BounceClass | undefined {
  if (category === 'success') return undefined;
  const refined = firstMatch(REFINE, text);
  if (refined !== undefined) return bounceClass(refined);
  // No conversation took place: the stock list calls `Connection refused` policy-related, yet
  // nobody refused the mail. Still retrying is a transient failure; given up, a timeout.
  if (NO_CONNECTION.test(text)) return bounceClass(permanent === false ? 70 : 24);
  if (category === 'spam-related' || category === 'content-related') {
    if (LISTED.test(text)) return bounceClass(51);
    if (SPAM_CONTENT.test(text)) return bounceClass(52);
  }
  const fromCategory =
    BY_CATEGORY[category] ?? firstMatch(FALLBACK, text) ?? BY_STATUS[status.slice(status.indexOf('.') + 1)];
  if (fromCategory !== undefined) return bounceClass(fromCategory);
  // Nothing recognisable: only the reply's class is left to go on.
  if (permanent === undefined) return bounceClass(1);
  return bounceClass(permanent ? 40 : 70);
}
