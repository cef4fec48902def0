// Engagement tracking at delivery (docs/tracking.md): with `<signals> engagement-tracking` on, each
// recipient of a message with HTML gets its own copy (its own pixels and links), so such a message
// goes out as one SMTP transaction per recipient; the rewrite comes before DKIM signing. A message
// is parsed once and kept for its other recipients (items of one message follow each other).
import type { OutpostConfig } from '../config/index.js';
import { prepareTracking, type TrackedMessage } from '../tracking/rewrite.js';
import { type MtaTrackingSettings, trackingSettings } from '../tracking/settings.js';
import { TrackingKey } from '../tracking/token.js';

const RECENT = 32;

export class DeliveryTracking {
  private readonly settings: MtaTrackingSettings | undefined;
  private readonly key: TrackingKey | undefined;
  /** Spool id → the message parsed for tracking, most recent last. */
  private readonly recent = new Map<string, TrackedMessage>();

  constructor(config: OutpostConfig) {
    // Config check reports invalid tracking settings; a config that loaded has valid ones.
    this.settings = trackingSettings(config);
    this.key = this.settings?.apiKey ? new TrackingKey(this.settings.apiKey) : undefined;
  }

  get enabled(): boolean {
    return this.key !== undefined;
  }

  /** The message ready for per-recipient copies, or undefined when it goes out as it is. */
  prepare(spoolId: string, body: Buffer): TrackedMessage | undefined {
    if (!this.settings || !this.key) return undefined;
    let tracked = this.recent.get(spoolId);
    if (tracked) this.recent.delete(spoolId);
    else {
      const { customerId, baseUrl } = this.settings;
      tracked = prepareTracking(body, { key: this.key, customerId, baseUrl });
    }
    this.recent.set(spoolId, tracked);
    if (this.recent.size > RECENT) this.recent.delete(this.recent.keys().next().value!);
    return tracked.tracked ? tracked : undefined;
  }
}
