// `<domain yahoo.$topLevel>` with `domain-macro topLevel com,co.uk,fr` expands to one rule per value
// (UG50 §3.3.1.33.4). Macros may nest; a loop or an unknown macro is an error.
import type { Position } from './diagnostics.js';
import type { DomainMacro } from './directives/global.js';
import type { DomainRule } from './model.js';
import { parseDomainPattern } from './patterns.js';

export interface PendingDomain {
  patternText: string;
  settings: DomainRule['settings'];
  pos: Position;
}

interface Reporter {
  error(pos: Position, message: string): void;
}

const MACRO = /\$([A-Za-z0-9_-]+)/;

function expand(text: string, macros: Map<string, string[]>, chain: string[]): string[] {
  const match = text.match(MACRO);
  if (!match) return [text];
  const name = match[1]!;
  if (chain.includes(name))
    throw new Error(`domain-macro loop: ${[...chain, name].map((n) => `$${n}`).join(' -> ')}`);
  const values = macros.get(name);
  if (!values) throw new Error(`unknown domain-macro $${name}`);
  const expandedValues = values.flatMap((value) => expand(value, macros, [...chain, name]));
  return expandedValues.flatMap((value) => expand(text.replace(match[0], value), macros, chain));
}

export function expandDomainRules(
  pending: PendingDomain[],
  macroList: DomainMacro[],
  reporter: Reporter,
): DomainRule[] {
  const macros = new Map(macroList.map((m) => [m.name, m.values]));
  const rules: DomainRule[] = [];
  for (const { patternText, settings, pos } of pending) {
    let texts: string[];
    try {
      texts = expand(patternText, macros, []);
    } catch (error) {
      reporter.error(pos, (error as Error).message);
      continue;
    }
    for (const text of texts) {
      try {
        rules.push({ pattern: parseDomainPattern(text), fromMacro: text !== patternText, settings, pos });
      } catch (error) {
        reporter.error(pos, (error as Error).message);
      }
    }
  }
  return rules;
}
