/** A small least-recently-used map with per-entry expiry (Map keeps insertion order). */
export class LruCache<V> {
  private readonly entries = new Map<string, { value: V; expires: number }>();
  constructor(private readonly max: number) {}

  get(key: string, now: number): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    this.entries.delete(key);
    if (e.expires <= now) return undefined;
    this.entries.set(key, e);
    return e.value;
  }

  set(key: string, value: V, expires: number) {
    this.entries.delete(key);
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { value, expires });
  }

  delete(key: string) {
    this.entries.delete(key);
  }

  /** A scan: for rare events (a revocation), never on a request's path. */
  deleteWhere(matches: (value: V) => boolean) {
    for (const [key, e] of this.entries) if (matches(e.value)) this.entries.delete(key);
  }
}
