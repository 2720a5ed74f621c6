/**
 * Helpers shared by the in-memory repositories. Each operation awaits `roundTrip()` once, first,
 * and then runs to the end without awaiting, so it is atomic like a single MongoDB document write.
 */

/**
 * One event-loop turn, like a database round trip: callers that arrive in different turns (after
 * Redis replies, timers) still interleave between their reads and writes, so the services' race
 * and retry paths run against this store too, and a long job never holds the event loop.
 */
export function roundTrip(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * A deep copy of plain data, so no caller shares an object with the store: Dates stay Dates, an
 * own "__proto__" key stays data, and undefined properties are dropped (as mongoose drops them).
 */
export function copy<T>(value: T): T {
  return clone(value) as T;
}

function clone(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return new Date(value.getTime());
  if (Array.isArray(value)) return value.map(clone);
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return structuredClone(value);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    // Plain assignment of "__proto__" would set the prototype instead of a key.
    if (k === '__proto__') Object.defineProperty(out, k, { value: clone(v), enumerable: true, writable: true, configurable: true });
    else out[k] = clone(v);
  }
  return out;
}

/**
 * Values by (account, key), one inner Map per account: an account's entries are listed without
 * touching other accounts', and a key that is not a string (an injected operator) matches nothing.
 */
export class ByAccount<V> {
  private readonly accounts = new Map<string, Map<string, V>>();

  get(account: string, key: string): V | undefined {
    return this.accounts.get(account)?.get(key);
  }

  set(account: string, key: string, value: V): void {
    let inner = this.accounts.get(account);
    if (!inner) this.accounts.set(account, (inner = new Map()));
    inner.set(key, value);
  }

  delete(account: string, key: string): void {
    const inner = this.accounts.get(account);
    if (!inner) return;
    inner.delete(key);
    if (inner.size === 0) this.accounts.delete(account);
  }

  /** One account's entries. */
  of(account: string): ReadonlyMap<string, V> {
    return this.accounts.get(account) ?? new Map<string, V>();
  }
}

/** The ids under each (account, key) of a non-unique index that is read whole. */
export class IdSets {
  private readonly sets = new ByAccount<Set<string>>();

  add(account: string, key: string, id: string): void {
    let ids = this.sets.get(account, key);
    if (!ids) this.sets.set(account, key, (ids = new Set()));
    ids.add(id);
  }

  remove(account: string, key: string, id: string): void {
    const ids = this.sets.get(account, key);
    if (!ids) return;
    ids.delete(id);
    if (ids.size === 0) this.sets.delete(account, key);
  }

  ids(account: string, key: string): string[] {
    return [...(this.sets.get(account, key) ?? [])];
  }
}

interface Holder {
  id: string;
  at: number;
}

/** A corrupt date sorts last rather than breaking the binary search. */
const time = (d: Date): number => (Number.isNaN(d.getTime()) ? Number.NEGATIVE_INFINITY : d.getTime());

/** Most recently active first, then smaller id: the order of MongoDB's (…, lastActivityAt: -1, _id: 1) index. */
const precedes = (a: Holder, b: Holder): boolean => a.at > b.at || (a.at === b.at && a.id < b.id);

/**
 * The holders of each (account, key), kept in recency order on write, so a read of the first
 * `limit` costs `limit` whatever the number of holders. A writer names the `lastActivityAt` it
 * indexed the holder under, which finds the entry by binary search.
 */
export class RecencyIndex {
  private readonly lists = new ByAccount<Holder[]>();

  add(account: string, key: string, id: string, lastActivityAt: Date): void {
    const holder = { id, at: time(lastActivityAt) };
    let list = this.lists.get(account, key);
    if (!list) this.lists.set(account, key, (list = []));
    list.splice(position(list, holder), 0, holder);
  }

  remove(account: string, key: string, id: string, lastActivityAt: Date): void {
    const list = this.lists.get(account, key);
    if (!list) return;
    const i = position(list, { id, at: time(lastActivityAt) });
    if (list[i]?.id !== id) return;
    list.splice(i, 1);
    if (list.length === 0) this.lists.delete(account, key);
  }

  /** The ids of the first `limit` holders; every holder when no limit is given. */
  first(account: string, key: string, limit = Number.POSITIVE_INFINITY): string[] {
    const list = this.lists.get(account, key) ?? [];
    const out: string[] = [];
    for (let i = 0; i < list.length && i < limit; i++) out.push(list[i]!.id);
    return out;
  }
}

/** The index of the first entry that does not precede `holder` (binary search). */
function position(list: readonly Holder[], holder: Holder): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (precedes(list[mid]!, holder)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
