// The mailbox-provider sink (docs/sink.md): public surface for the CLI, the demo and tests.
export { Chance } from './chance.js';
export { DEFAULT_SINK_CONFIG } from './defaults.js';
export { isLoopbackUrl } from './engagement.js';
export {
  loadSinkConfig,
  ruleFor,
  type SinkConfig,
  SinkConfigError,
  type SinkRule,
  sinkConfigFrom,
} from './rules.js';
export { type SinkOptions, SinkServer, type SinkStats } from './server.js';
export type { AcceptedMessage } from './session.js';
