// PowerMTA's stock <bounce-category-patterns> from config-defaults, in order (reference powermta.md
// §4.2; the order matters: first match wins, so text patterns beat the status-code patterns at the
// end, which is why `550 5.2.1 ... User Unknown` is bad-mailbox). Written in the configuration
// syntax and read by the same regex reader as a user's block, so both behave alike (case-insensitive).
import type { BounceCategoryPattern } from '../config/model.js';
import { parseRegex } from '../config/patterns.js';

const ADDRESSEE = '(user|mailbox|recipient|rcpt|local part|address|account|mail drop|ad(d?)ressee)';
const UNKNOWN =
  '(not (a +)?valid|not known|not here|not found|does not exist|bad|invalid|unknown|illegal|unavailable)';

const STOCK: ReadonlyArray<readonly [regex: string, category: string]> = [
  ['/spam/', 'spam-related'],
  ['/junk mail/', 'spam-related'],
  ['/blacklist/', 'spam-related'],
  ['/blocked/', 'spam-related'],
  ['/\\bU\\.?C\\.?E\\.?\\b/', 'spam-related'],
  ['/\\bAdv(ertisements?)?\\b/', 'spam-related'],
  ['/unsolicited/', 'spam-related'],
  ['/\\b(open)?RBL\\b/', 'spam-related'],
  ['/realtime blackhole/', 'spam-related'],
  ['/http:\\/\\/basic.wirehub.nl\\/blackholes.html/', 'spam-related'],
  ['/\\bvirus\\b/', 'virus-related'],
  ['/message +content/', 'content-related'],
  ['/content +rejected/', 'content-related'],
  ['/quota/', 'quota-issues'],
  ['/limit exceeded/', 'quota-issues'],
  ['/mailbox +(is +)?full/', 'quota-issues'],
  ['/\\bstorage\\b/', 'quota-issues'],
  [
    `/${ADDRESSEE} (has|has been|is)? *(currently|temporarily +)?(disabled|expired|inactive|not activated)/`,
    'inactive-mailbox',
  ],
  ['/(conta|usu.rio) inativ(a|o)/', 'inactive-mailbox'],
  [`/Too many (bad|invalid|unknown|illegal|unavailable) ${ADDRESSEE}/`, 'other'],
  [`/(No such|bad|invalid|unknown|illegal|unavailable) (local +)?${ADDRESSEE}/`, 'bad-mailbox'],
  [`/${ADDRESSEE} +(\\S+@\\S+ +)?${UNKNOWN}/`, 'bad-mailbox'],
  [`/\\S+@\\S+ +(is +)?${UNKNOWN}/`, 'bad-mailbox'],
  ['/no mailbox here by that name/', 'bad-mailbox'],
  ['/my badrcptto list/', 'bad-mailbox'],
  ['/not our customer/', 'bad-mailbox'],
  ['/no longer (valid|available)/', 'bad-mailbox'],
  ['/have a \\S+ account/', 'bad-mailbox'],
  ['/\\brelay(ing)?/', 'relaying-issues'],
  ['/domain (retired|bad|invalid|unknown|illegal|unavailable)/', 'bad-domain'],
  ['/domain no longer in use/', 'bad-domain'],
  ['/domain (\\S+ +)?(is +)?obsolete/', 'bad-domain'],
  ['/denied/', 'policy-related'],
  ['/prohibit/', 'policy-related'],
  ['/rejected/', 'policy-related'],
  ['/refused/', 'policy-related'],
  ['/allowed/', 'policy-related'],
  ['/banned/', 'policy-related'],
  ['/policy/', 'policy-related'],
  ['/suspicious activity/', 'policy-related'],
  ['/bad sequence/', 'protocol-errors'],
  ['/syntax error/', 'protocol-errors'],
  ['/\\broute\\b/', 'routing-errors'],
  ['/\\bunroutable\\b/', 'routing-errors'],
  ['/\\bunrouteable\\b/', 'routing-errors'],
  ['/^2.\\d.\\d/', 'success'],
  ['/^[45]\\.1\\.1/', 'bad-mailbox'],
  ['/^[45]\\.1\\.2/', 'bad-domain'],
  ['/^[45]\\.3\\.5/', 'bad-configuration'],
  ['/^[45]\\.4\\.1/', 'no-answer-from-host'],
  ['/^[45]\\.4\\.2/', 'bad-connection'],
  ['/^[45]\\.4\\.4/', 'routing-errors'],
  ['/^[45]\\.4\\.6/', 'routing-errors'],
  ['/^[45]\\.4\\.7/', 'message-expired'],
  ['/^[45]\\.7\\.1/', 'policy-related'],
  // `// other`: the empty regex matches everything.
  ['//', 'other'],
];

export const STOCK_BOUNCE_CATEGORY_PATTERNS: readonly BounceCategoryPattern[] = STOCK.map(
  ([regex, category]) => ({ regex: parseRegex(regex), category }),
);

/** Every category name PowerMTA documents (UG50 §11.6); custom names are allowed as well. */
export const BOUNCE_CATEGORIES = [
  'bad-configuration',
  'bad-connection',
  'bad-domain',
  'bad-mailbox',
  'content-related',
  'inactive-mailbox',
  'invalid-sender',
  'message-expired',
  'no-answer-from-host',
  'other',
  'policy-related',
  'protocol-errors',
  'quota-issues',
  'relaying-issues',
  'routing-errors',
  'spam-related',
  'virus-related',
  'success',
] as const;
