// Building blocks for the directive tables in directives/*.ts. A spec says how to read one
// directive's value, what it defaults to, whether repeats accumulate, and whether Outpost acts on
// it yet (a directive it reads but ignores loads with a warning that names it).
import type { DirectiveNode } from './parse.js';
import * as v from './values.js';

export interface DirectiveSpec<V> {
  /** Reads one occurrence; `previous` is the value so far, so repeatable directives can append. */
  parse(node: DirectiveNode, previous: V): V;
  default: V;
  /** False while Outpost parses the directive but does not act on it: it loads with a warning. */
  acted: boolean;
  /** Set for directives PowerMTA marks deprecated; the warning says so. */
  deprecated?: string;
}

export type SpecTable = Record<string, DirectiveSpec<unknown>>;
export type SettingsOf<T> = { -readonly [K in keyof T]: T[K] extends DirectiveSpec<infer V> ? V : never };

const fail = (message: string): never => {
  throw new v.ConfigValueError(message);
};

/** The single argument of a directive: none is "argument missing", two or more is an error. */
export function oneWord(node: DirectiveNode): string {
  if (node.words.length === 0) return fail('argument missing');
  if (node.words.length > 1) return fail(`unexpected argument "${node.words[1]}"`);
  return node.words[0]!;
}

/** The whole value as free text (quotes removed when it is one quoted string). */
export function wholeText(node: DirectiveNode): string {
  if (node.words.length === 0) return fail('argument missing');
  return node.value.startsWith('"') && node.words.length === 1 ? node.words[0]! : node.value;
}

function single<V>(read: (text: string) => V, def: V): DirectiveSpec<V> {
  return { parse: (node) => read(oneWord(node)), default: def, acted: false };
}

export const bool = (def: boolean) => single(v.parseBoolean, def);
export const interval = (def: number) => single(v.parseInterval, def);
export const intervalOrNever = (def: number) => single(v.parseIntervalOrNever, def);
export const intervalList = (def: number[]) => single(v.parseIntervalList, def);
export const size = (def: number) => single(v.parseSize, def);
/** A size where 0 and `unlimited` both mean no limit. */
export const sizeLimit = (def: number) => single(v.parseSizeLimit, def);
export const rate = (def: v.Rate = v.UNLIMITED_RATE) => single(v.parseRate, def);
export const volumeRate = (def: v.Rate = v.UNLIMITED_RATE) => single(v.parseVolumeRate, def);
export const int = (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  single((t) => v.parseInteger(t, min, max), def);
export const oneOf = <T extends string>(allowed: readonly T[], def: T) =>
  single((t) => v.parseEnum(t, allowed), def);
export const email = (def?: string) => single<string | undefined>(v.parseEmail, def);

/** A single word; `""` clears an inherited value (UG50 §3.3.10.x). */
export const word = (def?: string) =>
  single<string | undefined>((t) => (t === '' ? undefined : t), def) as DirectiveSpec<string | undefined>;

/** Free text that may contain spaces (quoted or not). */
export const text = (def?: string): DirectiveSpec<string | undefined> => ({
  parse: (node) => {
    const value = wholeText(node);
    return value === '' ? undefined : value;
  },
  default: def,
  acted: false,
});

/** A comma list replacing any inherited value; `""` clears it. */
export const list = (def: string[] = []): DirectiveSpec<string[]> => ({
  parse: (node) => v.parseList(wholeText(node)),
  default: def,
  acted: false,
});

/** A repeatable directive: each occurrence appends one parsed item, in file order. */
export function repeated<T>(read: (node: DirectiveNode) => T): DirectiveSpec<T[]> {
  return { parse: (node, previous) => [...previous, read(node)], default: [], acted: false };
}

/** A value for directives we only accept (PowerMTA features outside Outpost's scope). */
export const anyValue = (): DirectiveSpec<string | undefined> => ({
  parse: (node) => (node.value === '' ? fail('argument missing') : node.value),
  default: undefined,
  acted: false,
});

/** Marks a spec as implemented: it loads silently. */
export function acted<V>(spec: DirectiveSpec<V>): DirectiveSpec<V> {
  return { ...spec, acted: true };
}

export function deprecated<V>(spec: DirectiveSpec<V>, advice: string): DirectiveSpec<V> {
  return { ...spec, deprecated: advice };
}

/** The defaults of a table, as a fresh settings object. */
export function defaultsOf<T extends SpecTable>(table: T): SettingsOf<T> {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(table)) out[name] = spec.default;
  return out as SettingsOf<T>;
}
