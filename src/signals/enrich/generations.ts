// A bounded map kept in two generations: new entries go to `current`; when it holds half the limit
// it becomes `previous` and the old `previous` is dropped whole. Evicting one oldest entry at a
// time (Map.keys().next() then delete) is quadratic in V8, whose iterator steps over every deleted
// slot: it took a fifth of the ingest CPU once the enricher's cache was full (bench/signals).
export class GenerationalMap<K, V> {
  private current = new Map<K, V>();
  private previous = new Map<K, V>();

  constructor(private readonly limit: number) {}

  get(key: K): V | undefined {
    return this.current.get(key) ?? this.previous.get(key);
  }

  set(key: K, value: V): void {
    if (this.current.size >= this.limit / 2) {
      this.previous = this.current;
      this.current = new Map();
    }
    this.current.set(key, value);
  }
}
