// AST → typed OutpostConfig. Applies each directive through its scope's table (directives/*.ts),
// reports unknown directives, wrong scopes, bad values and unsupported features with their line,
// then checks cross-references (validate.ts). Never throws on bad input.
import { dirname } from 'node:path';
import type { Diagnostic, Position } from './diagnostics.js';
import * as blocks from './directives/blocks.js';
import { DOMAIN_DIRECTIVES } from './directives/domain.js';
import { GLOBAL_DIRECTIVES } from './directives/global.js';
import { OUTPOST_DIRECTIVES, SIGNALS_SERVER_DIRECTIVES } from './directives/outpost.js';
import { SOURCE_DIRECTIVES } from './directives/source.js';
import { expandDomainRules, type PendingDomain } from './domain-macros.js';
import type {
  AddressList,
  DomainRule,
  OutpostConfig,
  Processor,
  VirtualMta,
  VirtualMtaPool,
} from './model.js';
import { type BlockNode, type ConfigNode, type DirectiveNode, echo } from './parse.js';
import { buildPatternBlock } from './pattern-blocks.js';
import { parseCidr } from './patterns.js';
import { defaultsOf, type SpecTable } from './spec.js';
import { validate } from './validate.js';
import { ConfigValueError } from './values.js';

/** Every directive table by scope name, for "X is not allowed here (it belongs in Y)" messages. */
const TABLES: Record<string, SpecTable> = {
  'global scope': GLOBAL_DIRECTIVES,
  '<source>': SOURCE_DIRECTIVES,
  '<domain>': DOMAIN_DIRECTIVES,
  '<virtual-mta>': blocks.VIRTUAL_MTA_DIRECTIVES,
  '<virtual-mta-pool>': blocks.VIRTUAL_MTA_POOL_DIRECTIVES,
  '<smtp-user>': blocks.SMTP_USER_DIRECTIVES,
  '<smtp-listener>': blocks.SMTP_LISTENER_DIRECTIVES,
  '<source-group>': blocks.SOURCE_GROUP_DIRECTIVES,
  '<spool>': blocks.SPOOL_DIRECTIVES,
  '<acct-file>': blocks.ACCT_FILE_DIRECTIVES,
  '<signals>': blocks.SIGNALS_DIRECTIVES,
  '<signals-filter>': blocks.SIGNALS_FILTER_DIRECTIVES,
  '<bounce-processor>': blocks.PROCESSOR_DIRECTIVES,
  '<address-list>': blocks.ADDRESS_LIST_DIRECTIVES,
  '<email-patterns>': blocks.EMAIL_PATTERNS_DIRECTIVES,
  '<dns>': blocks.DNS_DIRECTIVES,
  '<proxy>': blocks.PROXY_DIRECTIVES,
  '<transmissions-api>': blocks.TRANSMISSIONS_API_DIRECTIVES,
  '<transmissions-api-listener>': blocks.TRANSMISSIONS_API_LISTENER_DIRECTIVES,
  '<outpost>': OUTPOST_DIRECTIVES,
  '<signals-server>': SIGNALS_SERVER_DIRECTIVES,
};

type Settings = Record<string, unknown>;
type NestedHandlers = Record<string, (block: BlockNode) => void>;

export class ConfigBuilder {
  readonly diagnostics: Diagnostic[] = [];
  /** <domain> blocks wait until every domain-macro is known; `assign` stores the expanded rules. */
  private readonly pendingDomains: Array<{
    pending: PendingDomain[];
    assign: (rules: DomainRule[]) => void;
  }> = [];
  readonly config: OutpostConfig;

  constructor(files: string[]) {
    this.config = {
      files,
      baseDir: dirname(files[0] ?? '.'),
      global: defaultsOf(GLOBAL_DIRECTIVES),
      listeners: [],
      sources: { byAddress: [], named: new Map() },
      smtpUsers: new Map(),
      domains: [],
      virtualMtas: new Map(),
      pools: new Map(),
      rewriteLists: new Map(),
      addressLists: new Map(),
      patternLists: new Map(),
      smtpPatternLists: new Map(),
      domainKeyLists: new Map(),
      mxRollups: [],
      aliases: [],
      acctFiles: [],
      spools: [],
      signalsFilters: new Map(),
      outpost: defaultsOf(OUTPOST_DIRECTIVES),
    };
  }

  error(pos: Position, message: string): void {
    this.diagnostics.push({ file: pos.file, line: pos.line, severity: 'error', message });
  }

  warning(pos: Position, message: string): void {
    this.diagnostics.push({ file: pos.file, line: pos.line, severity: 'warning', message });
  }

  /** Reads one directive into `target` through `table`; problems become diagnostics. */
  applyDirective(table: SpecTable, scope: string, node: DirectiveNode, target: Settings): void {
    const name = node.name.toLowerCase();
    const spec = Object.hasOwn(table, name) ? table[name] : undefined;
    if (!spec) {
      const homes = Object.entries(TABLES)
        .filter(([, t]) => Object.hasOwn(t, name))
        .map(([label]) => label);
      if (homes.length > 0)
        this.error(node.pos, `${name} is not allowed in ${scope} (it belongs in ${homes.join(' or ')})`);
      else this.error(node.pos, `unknown directive "${echo(node.name)}"`);
      return;
    }
    try {
      target[name] = spec.parse(node, target[name] ?? spec.default);
    } catch (error) {
      if (!(error instanceof ConfigValueError)) throw error;
      this.error(node.pos, error.message);
      return;
    }
    if (spec.deprecated) this.warning(node.pos, `${name} is deprecated in PowerMTA (${spec.deprecated})`);
    if (!spec.acted) this.warning(node.pos, `${name} is not supported by Outpost yet and is ignored`);
  }

  /** Applies a block's directives and hands nested blocks to `nested`; anything else is an error. */
  walk(
    block: { children: ConfigNode[] },
    scope: string,
    target: Settings,
    nested: NestedHandlers = {},
  ): void {
    const table = TABLES[scope]!;
    for (const node of block.children) {
      if (node.type === 'directive') this.applyDirective(table, scope, node, target);
      else if (Object.hasOwn(nested, node.tag)) nested[node.tag]!(node);
      else this.error(node.pos, `<${node.tag}> is not allowed in ${scope}`);
    }
  }

  /** A block table's settings: defaults overlaid with what the block sets. */
  settingsOf<T>(table: SpecTable, scope: string, block: BlockNode, nested: NestedHandlers = {}): T {
    const settings = defaultsOf(table) as Settings;
    this.walk(block, scope, settings, nested);
    return settings as T;
  }

  build(nodes: ConfigNode[]): OutpostConfig {
    this.walk(
      { children: nodes },
      'global scope',
      this.config.global as unknown as Settings,
      this.globalBlocks(),
    );
    for (const { pending, assign } of this.pendingDomains) {
      assign(expandDomainRules(pending, this.config.global['domain-macro'], this));
    }
    this.addGlobalListeners();
    validate(this.config, this);
    return this.config;
  }

  /** A handler for nested <domain> blocks whose expanded rules go to `assign`. */
  private domainBlocks(assign: (rules: DomainRule[]) => void): (block: BlockNode) => void {
    const into: PendingDomain[] = [];
    this.pendingDomains.push({ pending: into, assign });
    return (block: BlockNode) => {
      if (block.arg === '') {
        this.error(block.pos, '<domain> needs a domain pattern');
        return;
      }
      const settings: Settings = {};
      this.walk(block, '<domain>', settings);
      into.push({ patternText: block.arg, settings, pos: block.pos });
    };
  }

  private globalBlocks(): NestedHandlers {
    const c = this.config;
    const named = (block: BlockNode, what: string): string | undefined => {
      if (block.arg === '') this.error(block.pos, `<${block.tag}> needs a ${what}`);
      return block.arg || undefined;
    };
    return {
      source: (block) => this.sourceBlock(block),
      'smtp-listener': (block) => this.listenerBlock(block),
      'smtp-user': (block) => {
        const name = named(block, 'user name');
        if (name)
          c.smtpUsers.set(name, {
            name,
            settings: this.settingsOf(blocks.SMTP_USER_DIRECTIVES, '<smtp-user>', block),
            pos: block.pos,
          });
      },
      'source-group': (block) =>
        void this.settingsOf(blocks.SOURCE_GROUP_DIRECTIVES, '<source-group>', block),
      domain: this.domainBlocks((rules) => {
        c.domains = rules;
      }),
      'virtual-mta': (block) => {
        const name = named(block, 'name');
        const vmta: VirtualMta = {
          name: name ?? '',
          settings: defaultsOf(blocks.VIRTUAL_MTA_DIRECTIVES),
          domains: [],
          pos: block.pos,
        };
        vmta.settings = this.settingsOf(blocks.VIRTUAL_MTA_DIRECTIVES, '<virtual-mta>', block, {
          domain: this.domainBlocks((rules) => {
            vmta.domains = rules;
          }),
        });
        if (name) this.defineOnce(c.virtualMtas, name, block, vmta);
      },
      'virtual-mta-pool': (block) => {
        const name = named(block, 'name');
        const pool: VirtualMtaPool = {
          name: name ?? '',
          settings: defaultsOf(blocks.VIRTUAL_MTA_POOL_DIRECTIVES),
          domains: [],
          pos: block.pos,
        };
        pool.settings = this.settingsOf(blocks.VIRTUAL_MTA_POOL_DIRECTIVES, '<virtual-mta-pool>', block, {
          domain: this.domainBlocks((rules) => {
            pool.domains = rules;
          }),
        });
        if (name) this.defineOnce(c.pools, name, block, pool);
      },
      'address-list': (block) => {
        const list = this.addressList(block);
        if (list.name) c.addressLists.set(list.name, list);
        else this.error(block.pos, 'a global <address-list> needs a name (it is used as a suppression list)');
      },
      'bounce-processor': (block) => {
        if (c.bounceProcessor) this.error(block.pos, 'only one <bounce-processor> is allowed');
        c.bounceProcessor = this.processor(block, '<bounce-processor>');
      },
      'feedback-loop-processor': (block) => {
        if (c.feedbackLoopProcessor) this.error(block.pos, 'only one <feedback-loop-processor> is allowed');
        c.feedbackLoopProcessor = this.processor(block, '<bounce-processor>');
      },
      'acct-file': (block) => {
        if (block.arg === '') {
          this.error(block.pos, '<acct-file> needs a file path or |command');
          return;
        }
        const pipe = block.arg.startsWith('|');
        const target = pipe ? block.arg.slice(1).trim() : block.arg;
        c.acctFiles.push({
          target,
          pipe,
          settings: this.settingsOf(blocks.ACCT_FILE_DIRECTIVES, '<acct-file>', block),
          pos: block.pos,
        });
      },
      spool: (block) => {
        const dir = named(block, 'directory');
        const settings = this.settingsOf<blocks.SpoolSettings>(blocks.SPOOL_DIRECTIVES, '<spool>', block);
        if (dir) c.spools.push({ dir, settings, pos: block.pos });
      },
      signals: (block) => this.signalsBlock(block),
      'sparkpost-analytics': (block) => {
        this.warning(block.pos, '<sparkpost-analytics> is deprecated in PowerMTA (use <signals>)');
        this.signalsBlock(block);
      },
      'signals-filter': (block) => {
        const name = named(block, 'name');
        const settings = this.settingsOf<{ 'sender-or-from': blocks.SignalsFilterRule[] }>(
          blocks.SIGNALS_FILTER_DIRECTIVES,
          '<signals-filter>',
          block,
        );
        if (name) c.signalsFilters.set(name, settings['sender-or-from']);
      },
      'rewrite-list': (block) => buildPatternBlock(this, block),
      'pattern-list': (block) => buildPatternBlock(this, block),
      'smtp-pattern-list': (block) => buildPatternBlock(this, block),
      'bounce-category-patterns': (block) => buildPatternBlock(this, block),
      'domain-key-list': (block) => buildPatternBlock(this, block),
      'mx-rollup-list': (block) => buildPatternBlock(this, block),
      aliases: (block) => buildPatternBlock(this, block),
      dns: (block) => this.unsupportedBlock(block, '<dns>'),
      proxy: (block) => this.unsupportedBlock(block, '<proxy>'),
      'transmissions-api': (block) => this.unsupportedBlock(block, '<transmissions-api>'),
      'transmissions-api-listener': (block) => this.unsupportedBlock(block, '<transmissions-api-listener>'),
      outpost: (block) => this.walk(block, '<outpost>', c.outpost as unknown as Settings),
      'signals-server': (block) => {
        if (c.signalsServer) this.error(block.pos, 'only one <signals-server> is allowed');
        const settings = this.settingsOf<Omit<NonNullable<OutpostConfig['signalsServer']>, 'pos'>>(
          SIGNALS_SERVER_DIRECTIVES,
          '<signals-server>',
          block,
        );
        c.signalsServer = { ...settings, pos: block.pos };
      },
    };
  }

  private defineOnce<T>(map: Map<string, T>, name: string, block: BlockNode, value: T): void {
    if (map.has(name)) this.error(block.pos, `<${block.tag} ${name}> is defined twice`);
    else map.set(name, value);
  }

  private unsupportedBlock(block: BlockNode, scope: string): void {
    this.walk(block, scope, {});
    this.warning(block.pos, `${scope} is not supported by Outpost yet and is ignored`);
  }

  private sourceBlock(block: BlockNode): void {
    const { sources } = this.config;
    if (block.arg === '') {
      this.error(block.pos, '<source> needs an address, a network or a name');
      return;
    }
    const isAddress = /^[0-9a-f.:]+(\/\d+)?$/i.test(block.arg) && /[.:/]/.test(block.arg);
    const existing = isAddress
      ? sources.byAddress.find((s) => s.name === block.arg)
      : sources.named.get(block.arg);
    const rule = existing ?? { name: block.arg, settings: {}, pos: block.pos };
    if (isAddress && !existing) {
      try {
        sources.byAddress.push({ ...rule, cidr: parseCidr(block.arg) });
      } catch (error) {
        this.error(block.pos, (error as Error).message);
        return;
      }
    } else if (!existing) sources.named.set(block.arg, rule);
    const target = existing ?? (isAddress ? sources.byAddress.at(-1)! : rule);
    this.walk(block, '<source>', target.settings as Settings);
  }

  private listenerBlock(block: BlockNode): void {
    let address: { host: string; port: number };
    try {
      address = GLOBAL_DIRECTIVES['smtp-listener'].parse(
        { type: 'directive', name: 'smtp-listener', value: block.arg, words: [block.arg], pos: block.pos },
        [],
      )[0]!;
    } catch (error) {
      this.error(block.pos, (error as Error).message);
      return;
    }
    const settings: Settings = {};
    this.walk(block, '<smtp-listener>', settings);
    const source = settings.source as string | undefined;
    this.config.listeners.push({ ...address, ...(source ? { source } : {}), settings, pos: block.pos });
  }

  /** One-line `smtp-listener` directives, then PowerMTA's implicit 0.0.0.0:25 if there are none. */
  private addGlobalListeners(): void {
    const { global, listeners } = this.config;
    for (const l of global['smtp-listener']) listeners.push({ ...l, settings: {} });
    const pos = { file: this.config.files[0] ?? '', line: 0 };
    if (listeners.length === 0) listeners.push({ host: '0.0.0.0', port: 25, settings: {}, pos });
  }

  addressList(block: BlockNode): AddressList {
    const settings = this.settingsOf<{ address: string[]; 'address-file': string[]; domain: string[] }>(
      blocks.ADDRESS_LIST_DIRECTIVES,
      '<address-list>',
      block,
    );
    return {
      ...(block.arg ? { name: block.arg } : {}),
      addresses: settings.address.map((a) => {
        if (!a.startsWith('/')) return a.toLowerCase();
        try {
          return new RegExp(a.slice(1, -1), 'i');
        } catch (error) {
          this.error(block.pos, `invalid regular expression ${a}: ${(error as Error).message}`);
          return a;
        }
      }),
      addressFiles: settings['address-file'],
      domains: settings.domain.map((d) => d.toLowerCase()),
    };
  }

  private processor(block: BlockNode, scope: string): Processor {
    let addresses: AddressList = { addresses: [], addressFiles: [], domains: [] };
    let bodyPatternFiles: string[] = [];
    const settings = this.settingsOf<blocks.ProcessorSettings>(blocks.PROCESSOR_DIRECTIVES, scope, block, {
      'address-list': (inner) => {
        addresses = this.addressList(inner);
      },
      'email-patterns': (inner) => {
        bodyPatternFiles = this.settingsOf<{ 'body-pattern-file': string[] }>(
          blocks.EMAIL_PATTERNS_DIRECTIVES,
          '<email-patterns>',
          inner,
        )['body-pattern-file'];
      },
    });
    return { settings, addresses, bodyPatternFiles, pos: block.pos };
  }

  private signalsBlock(block: BlockNode): void {
    if (this.config.signals) this.error(block.pos, 'only one <signals> block is allowed');
    const settings = this.settingsOf<blocks.SignalsSettings>(blocks.SIGNALS_DIRECTIVES, '<signals>', block);
    if (!block.children.some((n) => n.type === 'directive' && n.name.toLowerCase() === 'api-key')) {
      this.error(block.pos, '<signals> needs an api-key');
    }
    this.config.signals = { ...settings, pos: block.pos };
  }
}
