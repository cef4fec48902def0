// The typed configuration every other module reads. Built once per load by build.ts; never a global
// singleton: whoever needs it is handed an OutpostConfig (reload builds a new one).
import type { Diagnostic, Position } from './diagnostics.js';
import type {
  AcctFileSettings,
  ProcessorSettings,
  SignalsFilterRule,
  SignalsSettings,
  SmtpListenerSettings,
  SmtpUserSettings,
  SpoolSettings,
  VirtualMtaPoolSettings,
  VirtualMtaSettings,
} from './directives/blocks.js';
import type { DomainSettings } from './directives/domain.js';
import type { DomainKey, GlobalSettings } from './directives/global.js';
import type { OutpostSettings, SignalsServerSettings } from './directives/outpost.js';
import type { SourceSettings } from './directives/source.js';
import type { Cidr, DomainPattern } from './patterns.js';

export interface SourceRule {
  /** The tag argument as written: `0/0`, `10.1.2.3`, `{auth}`, `mta1`. */
  name: string;
  /** Set for address rules; named rules apply only when a listener or user references them. */
  cidr?: Cidr;
  settings: Partial<SourceSettings>;
  pos: Position;
}

export interface DomainRule {
  pattern: DomainPattern;
  /** Expanded from a domain-macro: an explicitly listed domain beats it (UG50 §3.3.1.33.4). */
  fromMacro: boolean;
  settings: Partial<DomainSettings>;
  pos: Position;
}

export interface Listener {
  host: string;
  port: number;
  /** Named <source> for connections on this listener. */
  source?: string;
  settings: Partial<SmtpListenerSettings>;
  pos: Position;
}

export interface SmtpUser {
  name: string;
  settings: SmtpUserSettings;
  pos: Position;
}

export interface VirtualMta {
  name: string;
  settings: VirtualMtaSettings;
  domains: DomainRule[];
  pos: Position;
}

export interface VirtualMtaPool {
  name: string;
  settings: VirtualMtaPoolSettings;
  domains: DomainRule[];
  pos: Position;
}

/** `mail-from SOURCE TARGET`: `*` in SOURCE matches anything but `<>`; `*` in TARGET copies. */
export interface AddressRewrite {
  kind: 'mail-from' | 'from-domain';
  from: string;
  to: string;
  pos: Position;
}

export interface AddressList {
  name?: string;
  addresses: Array<string | RegExp>;
  addressFiles: string[];
  domains: string[];
}

export interface Processor {
  settings: ProcessorSettings;
  addresses: AddressList;
  bodyPatternFiles: string[];
  pos: Position;
}

export interface PatternRule {
  /** `mail-from`, `rcpt-to` or `header NAME`. */
  field: string;
  header?: string;
  regex: RegExp;
  /** `virtual-mta=NAME`, `priority=N`, ... as written. */
  actions: Record<string, string>;
  pos: Position;
}

export type SmtpPatternAction =
  | 'mode=normal'
  | 'mode=backoff'
  | 'skip-mx'
  | 'bounce-queue'
  | 'bounce-rcpt'
  | 'disable-source-ip'
  | 'defer-queue';

export interface SmtpPatternRule {
  regex: RegExp;
  actions: SmtpPatternAction[];
  reenableAfter?: number;
  pos: Position;
}

export interface BounceCategoryPattern {
  regex: RegExp;
  category: string;
  pos?: Position;
}

export interface MxRollup {
  mxPattern: string;
  queue: string;
  byIp: boolean;
  pos: Position;
}

export interface AcctFile {
  /** A file path, or the command line for `|command` pipes. */
  target: string;
  pipe: boolean;
  settings: AcctFileSettings;
  pos: Position;
}

export interface Spool {
  dir: string;
  settings: SpoolSettings;
  pos: Position;
}

export interface OutpostConfig {
  /** The main file and every file it includes. */
  files: string[];
  /** Directory of the main file: relative paths in the config are relative to it. */
  baseDir: string;
  global: GlobalSettings;
  listeners: Listener[];
  sources: { byAddress: SourceRule[]; named: Map<string, SourceRule> };
  smtpUsers: Map<string, SmtpUser>;
  domains: DomainRule[];
  virtualMtas: Map<string, VirtualMta>;
  pools: Map<string, VirtualMtaPool>;
  rewriteLists: Map<string, AddressRewrite[]>;
  addressLists: Map<string, AddressList>;
  patternLists: Map<string, PatternRule[]>;
  smtpPatternLists: Map<string, SmtpPatternRule[]>;
  /** Undefined when the file has none: the stock list applies (powermta.md §4.2). */
  bounceCategoryPatterns?: BounceCategoryPattern[];
  domainKeyLists: Map<string, DomainKey[]>;
  mxRollups: MxRollup[];
  aliases: Array<{ from: string; to: string[] }>;
  bounceProcessor?: Processor;
  feedbackLoopProcessor?: Processor;
  acctFiles: AcctFile[];
  spools: Spool[];
  signals?: SignalsSettings & { pos: Position };
  signalsFilters: Map<string, SignalsFilterRule[]>;
  /** Outpost-only blocks (PowerMTA has neither). */
  outpost: OutpostSettings;
  signalsServer?: SignalsServerSettings & { pos: Position };
}

export interface LoadResult {
  /** Present even when there are errors (as far as it could be built); check `diagnostics`. */
  config: OutpostConfig;
  diagnostics: Diagnostic[];
}
