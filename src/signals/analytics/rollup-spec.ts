// What the cohort rollup counts (store/cohorts.ts), in the store's condition language: which
// events make a recipient engaged or suppressible, and which events of a day's messages count as
// each outcome. The bounce classes are the Metrics API's (reference sparkpost-api.md §3).
import type { EventTypeName } from '../event-types.js';
import { ADMIN, BLOCK, CLICK, HARD, INITIAL, OPEN } from '../metrics-api/definitions.js';
import type { CohortDaySpec } from '../store/cohorts.js';
import type { Condition } from '../store/query.js';

const type = (...types: EventTypeName[]): Condition => ({ column: 'type', in: types });
const bounced = type('bounce', 'out_of_band');
const classIn = (classes: number[]): Condition => ({ column: 'bounce_class', in: classes });

export const ENGAGEMENT_TYPES: EventTypeName[] = [...OPEN, ...INITIAL, ...CLICK];
export const UNSUBSCRIBE_TYPES: EventTypeName[] = ['list_unsubscribe', 'link_unsubscribe'];

/** History reaches back a year (the oldest cohort boundary); retention may keep less. */
export const LOOKBACK = 365 * 86400;

/**
 * Role and system mailboxes: lists that mail them were bought, scraped or never confirmed (no
 * person signs up as abuse@). The "List Quality" component counts sends to them.
 */
export const ROLE_ACCOUNTS = [
  'abuse',
  'admin',
  'administrator',
  'billing',
  'compliance',
  'devnull',
  'dns',
  'ftp',
  'hostmaster',
  'info',
  'inoc',
  'ispfeedback',
  'ispsupport',
  'list',
  'list-request',
  'mailer-daemon',
  'marketing',
  'noc',
  'no-reply',
  'noreply',
  'null',
  'phish',
  'phishing',
  'postmaster',
  'privacy',
  'registrar',
  'root',
  'sales',
  'security',
  'spam',
  'support',
  'sysadmin',
  'tech',
  'undisclosed-recipients',
  'unsubscribe',
  'usenet',
  'uucp',
  'webmaster',
  'www',
];

export function cohortSpec(day: number, until: number, final: boolean, lookback = LOOKBACK): CohortDaySpec {
  return {
    day,
    until,
    final,
    lookback,
    engagement: type(...ENGAGEMENT_TYPES),
    // What SparkPost's suppression list would hold by now: hard bounces, complaints, unsubscribes.
    suppression: { any: [type(...UNSUBSCRIBE_TYPES, 'spam_complaint'), { all: [bounced, classIn(HARD)] }] },
    outcomes: {
      injected: type('injection'),
      tracked: { all: [type('injection'), { column: 'open_tracking', in: [1] }] },
      hard: { all: [bounced, classIn(HARD)] },
      block: { all: [bounced, classIn(BLOCK)] },
      // Soft and undetermined; admin bounces (our own policy) and the two above are not "other".
      other_bounce: {
        all: [
          bounced,
          {
            any: [
              { column: 'bounce_class', present: false },
              { not: classIn([...HARD, ...BLOCK, ...ADMIN]) },
            ],
          },
        ],
      },
      delayed: type('delay'),
      engaged: type(...ENGAGEMENT_TYPES),
      unsubscribed: type(...UNSUBSCRIBE_TYPES),
      complained: type('spam_complaint'),
    },
    roleLocalParts: ROLE_ACCOUNTS,
  };
}
