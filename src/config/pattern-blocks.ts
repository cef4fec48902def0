// Blocks whose lines are rules rather than settings: <rewrite-list>, <pattern-list>,
// <smtp-pattern-list>, <bounce-category-patterns>, <domain-key-list>, <mx-rollup-list>, <aliases>
// (powermta.md §1.4, §2.4, §4.2, §6.3, §6.4). Rule order is kept: the first match wins.
import type { ConfigBuilder } from './build.js';
import type { Position } from './diagnostics.js';
import { type DomainKey, parseDomainKey } from './directives/global.js';
import type {
  AddressRewrite,
  BounceCategoryPattern,
  MxRollup,
  PatternRule,
  SmtpPatternAction,
  SmtpPatternRule,
} from './model.js';
import { type BlockNode, type DirectiveNode, echo } from './parse.js';
import { parseRegex } from './patterns.js';
import { ConfigValueError, parseIntervalOrNever, parseList } from './values.js';

const fail = (message: string): never => {
  throw new ConfigValueError(message);
};

/** Splits `/regex with spaces/ rest`: actions and categories never contain `/`, so the last one ends it. */
function splitRegex(text: string): { regex: RegExp; rest: string } {
  const end = text.lastIndexOf('/');
  if (!text.startsWith('/') || end < 1) return fail(`expected a /regular expression/, found "${echo(text)}"`);
  return { regex: parseRegex(text.slice(0, end + 1)), rest: text.slice(end + 1).trim() };
}

/** The full line text: in these blocks the first word may be the regex itself. */
function lineText(node: DirectiveNode): string {
  return `${node.name} ${node.value}`.trim();
}

const ADDRESS_SOURCE = /^(<>|[^\s@<>]+@[^\s@<>]+)$/;

function parseRewrite(node: DirectiveNode): AddressRewrite {
  const kind = node.name.toLowerCase();
  if (kind !== 'mail-from' && kind !== 'from-domain')
    return fail(`unknown rewrite rule "${echo(node.name)}" (expected mail-from or from-domain)`);
  if (node.words.length !== 2)
    return fail(node.words.length === 0 ? 'argument missing' : 'expected a source pattern and a target');
  const [from, to] = node.words as [string, string];
  if (kind === 'mail-from') {
    if (!ADDRESS_SOURCE.test(from)) fail(`invalid source address pattern "${from}"`);
    if (!ADDRESS_SOURCE.test(to) || to === '*@*') fail(`invalid target address "${to}"`);
    if (from === '<>' && to.includes('*')) fail('mail-from <> cannot copy parts of an empty address');
  }
  if (!/^[\x21-\x7e]+$/.test(to)) fail('the rewrite target must be ASCII');
  return { kind, from: from.toLowerCase(), to, pos: node.pos };
}

function parsePatternRule(node: DirectiveNode): PatternRule {
  const field = node.name.toLowerCase();
  if (!['mail-from', 'rcpt-to', 'header'].includes(field))
    return fail(`unknown pattern field "${echo(node.name)}"`);
  let text = node.value;
  let header: string | undefined;
  if (field === 'header') {
    [header] = node.words;
    if (!header) return fail('argument missing');
    text = text.slice(text.indexOf(header) + header.length).trim();
  }
  const { regex, rest } = splitRegex(text);
  const actions: Record<string, string> = {};
  for (const action of parseList(rest)) {
    const [key, value = ''] = action.split('=');
    actions[key!.toLowerCase()] = value;
  }
  if (Object.keys(actions).length === 0) fail('expected actions after the pattern (e.g. virtual-mta=NAME)');
  return { field, ...(header ? { header } : {}), regex, actions, pos: node.pos };
}

const SMTP_ACTIONS: SmtpPatternAction[] = [
  'mode=normal',
  'mode=backoff',
  'skip-mx',
  'bounce-queue',
  'bounce-rcpt',
  'disable-source-ip',
  'defer-queue',
];

/** `reply /REGEX/ ACTIONS` with the combination rules of UG50 §3.3.15. */
function parseSmtpPattern(node: DirectiveNode): SmtpPatternRule {
  if (node.name.toLowerCase() !== 'reply')
    return fail(`unknown rule "${echo(node.name)}" (expected reply /REGEX/ ACTIONS)`);
  const { regex, rest } = splitRegex(node.value);
  const rule: SmtpPatternRule = { regex, actions: [], pos: node.pos };
  for (const item of parseList(rest).map((a) => a.toLowerCase())) {
    const reenable = item.match(/^reenable-after=(.+)$/);
    if (reenable) {
      if (rule.reenableAfter !== undefined) fail('reenable-after may appear only once');
      rule.reenableAfter = parseIntervalOrNever(reenable[1]!);
    } else if ((SMTP_ACTIONS as string[]).includes(item)) rule.actions.push(item as SmtpPatternAction);
    else fail(`unknown action "${item}" (expected ${SMTP_ACTIONS.join(', ')} or reenable-after=INTERVAL)`);
  }
  const has = (a: SmtpPatternAction) => rule.actions.includes(a);
  if (rule.actions.length === 0) fail('expected actions after the pattern');
  if (has('mode=normal') && has('mode=backoff')) fail('mode=backoff and mode=normal cannot be combined');
  if (has('skip-mx') && has('bounce-queue')) fail('skip-mx and bounce-queue cannot be combined');
  if (rule.reenableAfter !== undefined && !has('disable-source-ip'))
    fail('reenable-after needs disable-source-ip');
  return rule;
}

function parseBounceCategory(node: DirectiveNode): BounceCategoryPattern {
  const { regex, rest } = splitRegex(lineText(node));
  if (!/^[a-z0-9][a-z0-9-]*$/i.test(rest))
    fail(`expected one bounce category after the pattern, found "${echo(rest)}"`);
  return { regex, category: rest.toLowerCase(), pos: node.pos };
}

function parseMxRollup(node: DirectiveNode): MxRollup {
  if (node.name.toLowerCase() !== 'mx')
    return fail(`unknown rule "${echo(node.name)}" (expected mx HOST-PATTERN NAME.rollup)`);
  const [mxPattern, queue, option] = node.words;
  if (!mxPattern || !queue || node.words.length > 3)
    return fail('expected mx HOST-PATTERN NAME.rollup [rollup-by-ip]');
  if (!queue.endsWith('.rollup')) fail(`a rollup queue name ends in .rollup, found "${queue}"`);
  if (option !== undefined && option !== 'rollup-by-ip')
    fail(`unknown option "${option}" (expected rollup-by-ip)`);
  return {
    mxPattern: mxPattern.toLowerCase(),
    queue: queue.toLowerCase(),
    byIp: option !== undefined,
    pos: node.pos,
  };
}

/** Reads every line of a rule block, reporting bad lines with their position. */
function rules<T>(builder: ConfigBuilder, block: BlockNode, read: (node: DirectiveNode) => T): T[] {
  const out: T[] = [];
  for (const node of block.children) {
    if (node.type === 'block') {
      builder.error(node.pos, `<${node.tag}> is not allowed in <${block.tag}>`);
      continue;
    }
    try {
      out.push(read(node));
    } catch (error) {
      if (!(error instanceof ConfigValueError)) throw error;
      builder.error(node.pos, error.message);
    }
  }
  return out;
}

function requireName(builder: ConfigBuilder, block: BlockNode): string | undefined {
  if (block.arg === '') builder.error(block.pos, `<${block.tag}> needs a name`);
  return block.arg || undefined;
}

function notSupported(builder: ConfigBuilder, pos: Position, what: string): void {
  builder.warning(pos, `${what} is not supported by Outpost yet and is ignored`);
}

export function buildPatternBlock(builder: ConfigBuilder, block: BlockNode): void {
  const c = builder.config;
  switch (block.tag) {
    case 'rewrite-list': {
      const name = requireName(builder, block);
      const list = rules(builder, block, parseRewrite);
      if (name) c.rewriteLists.set(name, [...(c.rewriteLists.get(name) ?? []), ...list]);
      // mail-from rules are applied by the SMTP listener (src/smtp/rewrite.ts).
      for (const rule of list) {
        if (rule.kind === 'from-domain') notSupported(builder, rule.pos, 'from-domain');
      }
      return;
    }
    case 'pattern-list': {
      const name = requireName(builder, block);
      const list = rules(builder, block, parsePatternRule);
      if (name) c.patternLists.set(name, list);
      notSupported(builder, block.pos, '<pattern-list>');
      return;
    }
    case 'smtp-pattern-list': {
      const name = requireName(builder, block);
      const list = rules(builder, block, parseSmtpPattern);
      if (name) c.smtpPatternLists.set(name, list);
      notSupported(builder, block.pos, '<smtp-pattern-list>');
      return;
    }
    case 'bounce-category-patterns':
      c.bounceCategoryPatterns = [
        ...(c.bounceCategoryPatterns ?? []),
        ...rules(builder, block, parseBounceCategory),
      ];
      // Acted on: src/bounce/classify.ts matches replies against these (stock list when absent).
      return;
    case 'domain-key-list': {
      const name = requireName(builder, block);
      const keys = rules(builder, block, (node): DomainKey => {
        if (node.name.toLowerCase() !== 'domain-key')
          return fail(`unknown directive "${echo(node.name)}" (expected domain-key)`);
        return parseDomainKey(node);
      });
      if (name) c.domainKeyLists.set(name, keys);
      notSupported(builder, block.pos, '<domain-key-list>');
      return;
    }
    case 'mx-rollup-list':
      c.mxRollups.push(...rules(builder, block, parseMxRollup));
      for (const rollup of c.mxRollups.filter((r) => r.byIp)) {
        builder.warning(rollup.pos, 'rollup-by-ip is not supported by Outpost yet and is ignored');
      }
      return;
    case 'aliases':
      c.aliases.push(
        ...rules(builder, block, (node) => {
          if (node.name.toLowerCase() !== 'alias')
            return fail(`unknown directive "${echo(node.name)}" (expected alias)`);
          if (node.words.length !== 2) return fail('expected alias SOURCE TARGET[,TARGET]');
          return { from: node.words[0]!.toLowerCase(), to: parseList(node.words[1]!) };
        }),
      );
      notSupported(builder, block.pos, '<aliases>');
      return;
  }
}
