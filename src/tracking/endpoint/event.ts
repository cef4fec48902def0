// The record a tracking hit becomes, in the event store's own field names (SparkPost's,
// sparkpost-api.md §2.3–2.4) so the Signals server stores it as it is. What the hit cannot know
// (campaign, pool, subject, sending IP, …) the server copies from the message's injection by
// message_id when it writes the event (§1.7 enrichment).
import type { VerifiedToken } from '../token.js';
import { type PrivacyProxy, privacyProxy } from './privacy-proxy.js';

export type TrackingEventType = 'initial_open' | 'open' | 'click';

export interface TrackingEvent {
  type: TrackingEventType;
  /** Unix seconds. */
  ts: number;
  event_id: string;
  customer_id: number;
  subaccount_id: number;
  message_id: string;
  rcpt_to: string;
  raw_rcpt_to: string;
  recipient_domain: string;
  delv_method: 'esmtp';
  ip_address: string;
  user_agent?: string;
  target_link_url?: string;
  target_link_name?: string;
  /** Opened through a mail-privacy proxy: reports that count people leave these out. */
  prefetched?: boolean;
  extra?: { privacy_proxy: PrivacyProxy };
}

/** What the endpoint knows about whoever signed the token: the key's subaccount, if any. */
export interface TrackingSigner {
  subaccount?: number;
}

export interface Hit {
  token: VerifiedToken<TrackingSigner>;
  ip: string;
  userAgent?: string;
  /** Milliseconds. */
  now: number;
  eventId: string;
}

/** SparkPost names links without data-msys-linkname "Raw URL" (sparkpost-api.md §2.3). */
const RAW_URL = 'Raw URL';
const MAX_USER_AGENT = 1024;

export function trackingEvent(hit: Hit): TrackingEvent {
  const { token } = hit;
  const rcpt = token.rcpt.toLowerCase();
  const event: TrackingEvent = {
    type: token.kind,
    ts: Math.floor(hit.now / 1000),
    event_id: hit.eventId,
    customer_id: token.customerId,
    subaccount_id: token.signer.subaccount ?? 0,
    message_id: token.messageId,
    rcpt_to: rcpt,
    raw_rcpt_to: token.rcpt,
    recipient_domain: rcpt.slice(rcpt.lastIndexOf('@') + 1),
    delv_method: 'esmtp',
    ip_address: hit.ip,
  };
  if (hit.userAgent) event.user_agent = hit.userAgent.slice(0, MAX_USER_AGENT);
  if (token.kind === 'click') {
    event.target_link_url = token.url;
    event.target_link_name = token.linkName ?? RAW_URL;
  } else {
    const proxy = privacyProxy(hit.userAgent, hit.ip);
    if (proxy) {
      event.prefetched = true;
      event.extra = { privacy_proxy: proxy };
    }
  }
  return event;
}
