import { setImmediate as tick } from 'node:timers/promises';

/**
 * Shared helpers for the in-memory repositories. Every operation first yields to the event loop,
 * so concurrent callers interleave between their reads and writes exactly as they would against
 * a real database, and the service's race-and-retry paths run here too. Each operation is then
 * atomic (no await inside), like a single MongoDB document write.
 */
export async function roundTrip(): Promise<void> {
  await tick();
}

/** Plain copies in and out, like `.lean()`: callers can never mutate the stored state. */
export function copy<T>(value: T): T {
  return structuredClone(value);
}
