import { setImmediate as tick } from 'node:timers/promises';
import { deserialize, serialize } from 'node:v8';

/**
 * Shared helpers for the in-memory repositories. Every operation first yields to the event loop,
 * so concurrent callers interleave between their reads and writes exactly as they would against
 * a real database, and the service's race-and-retry paths run here too. Each operation is then
 * atomic (no await inside), like a single MongoDB document write.
 */
export async function roundTrip(): Promise<void> {
  await tick();
}

/**
 * Plain copies in and out, like `.lean()`: callers can never mutate the stored state. Stored data is
 * plain (JSON values and Dates), which this copies directly, several times faster than
 * structuredClone (the worker's hottest function on the memory store, bench/README.md); anything
 * else (Map, Set, Buffer, class instances) still goes through structuredClone.
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
 * A stored row: the record v8-serialized (exact for Dates, nested objects and arrays) and kept as
 * a one-byte string, plus the few top-level values the repository filters, sorts and indexes on.
 * Like a database page, nothing a caller holds can reach into it. And it is one leaf object for
 * the garbage collector instead of ~50 (a Buffer would add an ArrayBuffer and its tracking): rows
 * held as object graphs made each major GC of a large store long enough to show in the latency
 * tail and the 1M-contact figure (bench/README.md).
 */
export interface Row<T, K extends keyof T> {
  readonly bytes: string;
  readonly keys: Readonly<Pick<T, K>>;
}

export function toRow<T, K extends keyof T>(value: T, keys: readonly K[]): Row<T, K> {
  const picked = {} as Pick<T, K>;
  for (const k of keys) picked[k] = copy(value[k]); // copied: a caller's later change must not move an index
  return { bytes: serialize(value).toString('latin1'), keys: picked };
}

/** A fresh copy of the stored record. */
export function fromRow<T>(row: { readonly bytes: string }): T {
  return deserialize(Buffer.from(row.bytes, 'latin1')) as T;
}
