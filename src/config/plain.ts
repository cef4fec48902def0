// Configuration values as plain JSON: the settings view (`show settings`) prints them, and reload
// compares them to see what changed. Settings hold RegExps, bigints (CIDR networks), Maps and the
// file positions of directives, none of which JSON.stringify handles or should show.

/** A JSON-safe copy: RegExp → its source, bigint → string, Map → object, `pos` fields dropped. */
export function plain(value: unknown): unknown {
  if (value instanceof RegExp) return value.toString();
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (value instanceof Map) return plain(Object.fromEntries(value));
  if (value instanceof Set) return [...value].map(plain);
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (key === 'pos' || item === undefined) continue;
      out[key] = plain(item);
    }
    return out;
  }
  return value;
}

export function samePlain(a: unknown, b: unknown): boolean {
  return JSON.stringify(plain(a)) === JSON.stringify(plain(b));
}
