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
 * A stored row: the record as bytes (v8 serialization: exact for Dates, nested objects and arrays)
 * plus the few top-level values the repository filters, sorts and indexes on. Like a database
 * page, the bytes cannot be mutated through anything a caller holds, and the garbage collector
 * does not walk them: holding rows as object graphs made every major GC mark ~50 objects per
 * stored activity, which is what stretched the latency tail and the 1M-contact figure (bench/).
 */
export interface Row<T, K extends keyof T> {
  readonly bytes: Buffer;
  readonly keys: Readonly<Pick<T, K>>;
}

export function toRow<T, K extends keyof T>(value: T, keys: readonly K[]): Row<T, K> {
  const picked = {} as Pick<T, K>;
  for (const k of keys) picked[k] = copy(value[k]); // copied: a caller's later change must not move an index
  return { bytes: serialize(value), keys: picked };
}

/** A fresh copy of the stored record. */
export function fromRow<T>(row: { readonly bytes: Buffer }): T {
  return deserialize(row.bytes) as T;
}
