import { deserialize, serialize } from 'node:v8';

/**
 * Shared helpers for the in-memory repositories. Every operation first yields to the event loop,
 * so concurrent callers interleave between their reads and writes exactly as they would against
 * a real database, and the service's race-and-retry paths run here too. Each operation is then
 * atomic (no await inside), like a single MongoDB document write.
 */
export function roundTrip(): Promise<void> {
  // A bare setImmediate: timers/promises' version costs ≈ 0.8 KB and a few µs per call (options,
  // abort-signal handling), paid 6–8 times per activity (bench/README.md, allocation profile).
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * A deep copy of plain data (JSON values and Dates) in which no object appears twice, as in a
 * document read from MongoDB; anything else (Map, Set, Buffer, class instances) goes through
 * structuredClone. Used for the accounts and for what a row is serialized from.
 */
export function copy<T>(value: T): T {
  return clonePlain(value) as T;
}

function clonePlain(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const out = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = clonePlain(value[i]);
    return out;
  }
  if (value instanceof Date) return new Date(value.getTime());
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return structuredClone(value);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value)) {
    out[k] = clonePlain((value as Record<string, unknown>)[k]);
  }
  return out;
}

/**
 * A stored row: the record v8-serialized (exact for Dates, nested objects and arrays) plus, as
 * plain top-level properties, the few values the repository filters, sorts and indexes on (Dates
 * as epoch milliseconds). Like a database page, nothing a caller holds can reach into the bytes.
 *
 * Why bytes: rows held as object graphs (~50 objects per activity) made every major GC of a large
 * store mark them all, which is what stretched the latency tail and the 1M-contact figure
 * (bench/README.md). Rows under 4 KB are slices of Node's shared 8 KB buffer pool, so a row costs
 * the GC two small objects (plus its indexed strings) and no ArrayBuffer of its own; the data lives
 * outside the V8 heap. The price is memory, not GC work: a live row keeps its whole 8 KB slab alive,
 * so an update-heavy store can hold several times its data in slabs (a development store's trade).
 */
export type Row<T, K extends keyof T> = { readonly bytes: Buffer } & { readonly [P in K]: T[P] extends Date ? number : T[P] };

export function toRow<T, K extends keyof T>(value: T, keys: readonly K[]): Row<T, K> {
  // copy() first: v8 serialization keeps shared references (one Date used for two fields would read
  // back as one object for both), a MongoDB read never does. Buffer.from copies into the pool.
  const row: Record<string, unknown> = { bytes: Buffer.from(serialize(copy(value))) };
  for (const k of keys) {
    const v = value[k];
    // Copied: a caller's later change to its object must not move an index.
    row[k as string] = v instanceof Date ? v.getTime() : copy(v);
  }
  return row as Row<T, K>;
}

/** A fresh copy of the stored record. */
export function fromRow<T>(row: { readonly bytes: Buffer }): T {
  return deserialize(row.bytes) as T;
}

/**
 * Values by (account, key): one inner map per account, so no "account + key" string is built and
 * kept per entry (the key is usually a string the row already holds).
 */
export class AccountMap<V> {
  private readonly accounts = new Map<string, Map<string, V>>();

  get(account: string, key: string): V | undefined {
    return this.accounts.get(account)?.get(key);
  }

  has(account: string, key: string): boolean {
    return this.accounts.get(account)?.has(key) ?? false;
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

  /** One account's values (insertion order). */
  valuesOf(account: string): IterableIterator<V> | V[] {
    return this.accounts.get(account)?.values() ?? [];
  }
}
