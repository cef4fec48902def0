// Public surface of the Signals connector (PowerMTA's <signals>).
export { type Clock, systemClock } from './clock.js';
export { SignalsConnector, type SignalsConnectorOptions } from './connector.js';
export { SignalsError, type SignalsErrorCode } from './errors.js';
export type { FreeSpaceProbe } from './free-space.js';
export type { HttpPost, PostRequest, PostResponse } from './http-post.js';
export { INGEST_FIELDS, type IngestOptions, type IngestType, ingestLine } from './ingest.js';
export { SignalsSelector } from './selection.js';
export type { SignalsStats } from './stats.js';
