import type { RowBytes, RowSpace } from './row-space';

/**
 * Shared helpers for the in-memory repositories. Every operation first yields, so concurrent
 * callers interleave between their reads and writes as they would against a real database, and the
 * service's race-and-retry paths run here too. Each operation is then atomic (no await inside),
 * like a single MongoDB document write.
 *
 * The yield is to the microtask queue, not to the event loop (setImmediate) as it was: an activity
 * makes about seven store calls, so each then waited seven loop turns, and every activity in flight
 * advanced one call per turn: under a burst they all finished late together (processor sharing).
 * Now an intake job's activities finish in the turn they started in, in the order their jobs came:
 * the paced bench's p99 at 2,000/s fell by more than half. The price, measured and accepted: drains
 * at concurrency 20–50 cost ≈ 10–15 % more CPU per activity (level at 10); bench/README.md,
 * "Tenth session". What keeps a long job from holding the event loop is the fan-out's turn budget
 * (src/workers/turn-budget.ts).
 */
const YIELDED: Promise<void> = Promise.resolve();

export function roundTrip(): Promise<void> {
  return YIELDED;
}

/**
 * A deep copy of plain data (JSON values and Dates) in which no object appears twice, as in a
 * document read from MongoDB; anything else (Map, Set, Buffer, class instances) goes through
 * structuredClone. Used for the accounts and for the values a row indexes.
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
    setOwn(out, k, clonePlain((value as Record<string, unknown>)[k]));
  }
  return out;
}

/**
 * A stored row: the record encoded as JSON bytes (encodeRow below), located by `chunk`, `at` and
 * `size` in the store's RowSpace, plus, as plain properties, the few values the repository filters,
 * sorts and indexes on (Dates as epoch milliseconds). Like a database page, nothing a caller holds
 * can reach into the bytes.
 *
 * Why bytes: rows held as object graphs (~50 objects per activity) made every major GC of a large
 * store mark them all, which is what stretched the latency tail and the 1M-contact figure
 * (bench/README.md). A row is one heap object (plus its indexed strings); the data lives outside
 * the V8 heap, in chunks the store reuses as rows are replaced (row-space.ts).
 */
export type Row<T, K extends keyof T> = RowBytes & { readonly [P in K]: T[P] extends Date ? number : T[P] };

/**
 * The row builder of one repository. Each gets its own class, so V8 sizes that class's objects for
 * exactly its indexed keys and keeps them in the object: rows built from `{}` with keys added in a
 * loop carried a separate property array each, one more object per row for the GC to mark.
 */
export function rowWriter<T, K extends keyof T>(keys: readonly K[], space: RowSpace): (value: T) => Row<T, K> {
  class StoredRow implements RowBytes {
    chunk = 0;
    at = 0;
    size = 0;
  }
  return (value) => {
    const row = new StoredRow();
    space.write(encodeRow(value), row);
    const indexed = row as unknown as Record<string, unknown>;
    for (const k of keys) {
      const v = value[k];
      // Copied: a caller's later change to its object must not move an index.
      indexed[k as string] = v instanceof Date ? v.getTime() : copy(v);
    }
    return row as unknown as Row<T, K>;
  };
}

/** A fresh copy of the stored record. */
export function fromRow<T>(space: RowSpace, row: RowBytes): T {
  return decodeRow<T>(space.read(row));
}

/*
 * The row encoding (encodeRow / decodeRow): JSON, with each Date written as a string "\0D<epoch ms>" and a string that
 * itself starts with "\0" escaped by one more "\0", so any JSON a client sent (raw payloads
 * included) reads back exactly, Dates read back as Dates, and no two fields share an object (as in
 * a MongoDB read). Properties set to undefined are dropped, as mongoose does.
 *
 * Not v8.serialize(): each call leaves a Serializer / Deserializer object that only a full GC frees,
 * and the serializer's identity map keeps the whole record graph reachable until then. Young GCs
 * had to copy and promote every record written or read (≈ 15 KB per activity), which made each
 * young GC several times slower and filled the old generation with garbage (bench/README.md).
 */
const NUL = 0;
const DATE = 'D'.charCodeAt(0);

export function encodeRow(value: unknown): string {
  return JSON.stringify(toJsonValue(value));
}

export function decodeRow<T>(text: string): T {
  return revive(JSON.parse(text)) as T;
}

/**
 * The value as JSON.stringify must see it: Dates tagged, "\0" strings escaped, anything but plain
 * data refused. Objects and arrays with nothing to change below them are returned as they are (JSON.stringify
 * already drops undefined properties and writes undefined array items as null, as the encoding
 * does); only the objects on the way to a Date or a "\0" string are copied. A record is mostly a
 * client's payload and fields, which hold neither: copying all of it was a fifth of the worker's
 * row-encoding time (bench/README.md, "Tenth session").
 */
function toJsonValue(value: unknown): unknown {
  switch (typeof value) {
    case 'string':
      return value.charCodeAt(0) === NUL ? '\0' + value : value;
    case 'number':
    case 'boolean':
      return value;
    case 'object':
      break;
    default:
      throw new TypeError(`the in-memory store cannot store a ${typeof value}`);
  }
  if (value === null) return null;
  if (value instanceof Date) return '\0D' + value.getTime();
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      const j = v === undefined ? null : toJsonValue(v);
      if (out === undefined) {
        if (j === v || v === undefined) continue;
        out = value.slice(0, i);
      }
      out.push(j);
    }
    return out ?? value;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) throw new TypeError(`the in-memory store cannot store a ${proto?.constructor?.name ?? 'non-plain object'}`);
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  let out: Record<string, unknown> | undefined;
  for (let n = 0; n < keys.length; n++) {
    const k = keys[n]!;
    const v = obj[k];
    if (v === undefined) continue;
    const j = toJsonValue(v);
    if (out === undefined) {
      if (j === v) continue;
      out = {};
      for (let m = 0; m < n; m++) {
        const before = obj[keys[m]!];
        if (before !== undefined) setOwn(out, keys[m]!, before);
      }
    }
    setOwn(out, k, j);
  }
  return out ?? obj;
}

/** Decodes a freshly parsed row in place. */
function revive(value: unknown): unknown {
  if (typeof value === 'string') {
    if (value.charCodeAt(0) !== NUL) return value;
    return value.charCodeAt(1) === DATE ? new Date(Number(value.slice(2))) : value.slice(1);
  }
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      if (v !== null && (typeof v === 'object' || (typeof v === 'string' && v.charCodeAt(0) === NUL))) value[i] = revive(v);
    }
    return value;
  }
  const obj = value as Record<string, unknown>;
  for (const k of Object.keys(obj)) {
    const v = obj[k];
    if (v === null) continue;
    if (typeof v === 'object') revive(v); // in place
    else if (typeof v === 'string' && v.charCodeAt(0) === NUL) setOwn(obj, k, revive(v));
  }
  return obj;
}

/** Assignment, except for a "__proto__" key (JSON.parse makes it an own property; `=` would set the prototype). */
function setOwn(obj: Record<string, unknown>, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(obj, k, { value: v, enumerable: true, writable: true, configurable: true });
  else obj[k] = v;
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
