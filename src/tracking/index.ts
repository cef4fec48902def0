// Engagement tracking (docs/tracking.md): the MTA side rewrites HTML per recipient, the Signals
// server side serves the pixel and click endpoint.

export type { TrackingEvent, TrackingSigner } from './endpoint/event.js';
export {
  type RecorderStats,
  TrackingRecorder,
  type TrackingSink,
} from './endpoint/recorder.js';
export {
  PIXEL_GIF,
  type TrackingEndpointOptions,
  trackingHandler,
  trackingKeyring,
} from './endpoint/routes.js';
export { prepareTracking, type TrackedMessage, type TrackingOptions } from './rewrite.js';
export {
  type MtaTrackingSettings,
  TrackingConfigError,
  trackingBaseUrl,
  trackingSettings,
  trackingWarnings,
} from './settings.js';
export { type TrackingClaims, TrackingKey, TrackingKeyring, type VerifiedToken } from './token.js';
