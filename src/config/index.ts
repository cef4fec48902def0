// Public surface of the configuration module.
export { ConfigError, type Diagnostic, formatDiagnostic, hasErrors, type Position } from './diagnostics.js';
export type { SignalsFilterRule, SignalsSettings } from './directives/blocks.js';
export type { DomainSettings, SmtpHost } from './directives/domain.js';
export type { DomainKey, EnableSignals, SourceHost } from './directives/global.js';
export type { ApiKeySpec, Grant } from './directives/outpost.js';
export type { SourceSettings } from './directives/source.js';
export { configPath, dataDir, loadConfigFile, loadConfigText, requireValidConfig } from './load.js';
export type * from './model.js';
export {
  cidrContains,
  type DomainPattern,
  domainMatches,
  domainSpecificity,
  normalizeDomain,
  parseCidr,
  parseDomainPattern,
} from './patterns.js';
export { plain, samePlain } from './plain.js';
export {
  domainSettingsFor,
  poolWithDomainsOf,
  type SourceContext,
  sourceSettingsFor,
  virtualMtaKind,
} from './resolve.js';
export type { Rate } from './values.js';
