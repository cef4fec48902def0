// A small, fully known set of uploads for the query API tests: two campaigns over three hours,
// every metric's source event at least once, and hand-computed answers.
import { ingestLine } from './fixtures.js';

export interface Seed {
  lines: string[];
  /** Start of the hour of the first event (Unix seconds). */
  hour: number;
}

/** Events in the three hours starting at `hour` (which must be within the last 21 hours). */
export function seedEvents(hour: number): Seed {
  const at = (h: number, s: number) => String(hour + h * 3600 + s);
  const m = (
    type: string,
    message: string,
    ts: string,
    fields: Record<string, unknown> = {},
    grouping = 'message_event',
  ) =>
    ingestLine(
      {
        type,
        message_id: message,
        timestamp: ts,
        rcpt_to: message === 'm3' ? 'm3@corp.example' : `${message}@gmail.com`,
        ...(type === 'reception' ? { recv_method: 'esmtp' } : {}),
        ...fields,
      },
      grouping,
    );
  const a = {
    campaign_id: 'spring-sale',
    binding_group: 'pool-a',
    sending_ip: '192.0.2.1',
    friendly_from: 'news@shop.example',
    subject: 'Spring deals',
  };
  const b = {
    campaign_id: 'autumn_promo',
    binding_group: 'pool-b',
    sending_ip: '192.0.2.2',
    friendly_from: 'deals@shop.example',
    subject: 'Autumn',
  };
  const lines = [
    m('reception', 'm1', at(0, 10), a),
    m('reception', 'm2', at(0, 20), a),
    m('reception', 'm3', at(0, 30), a),
    m('delivery', 'm1', at(0, 100), { ...a, num_retries: '0', queue_time: '1000', msg_size: '2000' }),
    m('tempfail', 'm2', at(0, 110), { ...a, num_retries: '0', bounce_class: '22' }),
    m('delivery', 'm2', at(1, 100), { ...a, num_retries: '1', queue_time: '5000', msg_size: '3000' }),
    m('inband', 'm3', at(1, 200), {
      ...a,
      bounce_class: '10',
      error_code: '550',
      reason: '550 5.1.1 user unknown',
    }),
    m('initial_open', 'm1', at(1, 300), {}, 'track_event'),
    m('open', 'm1', at(1, 310), {}, 'track_event'),
    m('open', 'm1', at(2, 10), {}, 'track_event'),
    m('click', 'm2', at(2, 20), { target_link_url: 'https://shop.example/a' }, 'track_event'),
    m('reception', 'm4', at(0, 40), b),
    m('reception', 'm5', at(0, 50), b),
    m('delivery', 'm4', at(0, 140), { ...b, num_retries: '0', queue_time: '700', msg_size: '1000' }),
    m('inband', 'm5', at(0, 150), { ...b, bounce_class: '25', reason: '554 5.7.1 policy' }),
    m('feedback', 'm4', at(2, 30), { fbtype: 'abuse' }),
    m('list', 'm4', at(2, 40), { recv_method: 'esmtp' }, 'unsubscribe_event'),
    m('rejection', 'm6', at(0, 60), { ...b, recv_method: 'esmtp', bounce_class: '25' }),
    m('gen_fail', 'm7', at(0, 70), { campaign_id: 'spring-sale', recv_method: 'rest' }, 'gen_event'),
  ];
  return { lines, hour };
}

/** Hand-computed metrics of seedEvents per campaign. */
export const EXPECTED_BY_CAMPAIGN = {
  'spring-sale': {
    count_targeted: 4, // 3 injections + 1 generation failure
    count_injected: 3,
    count_sent: 3, // 2 deliveries + 1 in-band bounce
    count_delivered: 2,
    count_accepted: 2,
    count_delivered_first: 1,
    count_delivered_subsequent: 1,
    total_delivery_time_first: 1000,
    total_delivery_time_subsequent: 5000,
    total_msg_volume: 5000,
    count_delayed: 1,
    count_delayed_first: 1,
    count_rejected: 1,
    count_bounce: 1,
    count_hard_bounce: 1,
    count_admin_bounce: 0,
    count_spam_complaint: 0,
    count_rendered: 2,
    count_initial_rendered: 1,
    count_unique_rendered: 1,
    count_unique_confirmed_opened: 2, // m1 opened, m2 clicked
    count_clicked: 1,
    count_unique_clicked: 1,
    count_unsubscribe: 0,
  },
  autumn_promo: {
    count_targeted: 3, // 2 injections + 1 policy rejection
    count_injected: 2,
    count_sent: 2, // 1 delivery + 1 (admin) in-band bounce
    count_delivered: 1,
    count_accepted: 1,
    count_delivered_first: 1,
    count_delivered_subsequent: 0,
    total_delivery_time_first: 700,
    total_delivery_time_subsequent: 0,
    total_msg_volume: 1000,
    count_delayed: 0,
    count_delayed_first: 0,
    count_rejected: 1,
    count_bounce: 0, // admin bounces are not bounces
    count_hard_bounce: 0,
    count_admin_bounce: 1,
    count_spam_complaint: 1,
    count_rendered: 0,
    count_initial_rendered: 0,
    count_unique_rendered: 0,
    count_unique_confirmed_opened: 0,
    count_clicked: 0,
    count_unique_clicked: 0,
    count_unsubscribe: 1,
  },
};
