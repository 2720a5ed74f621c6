import { UnavailableError } from '../shared/errors';

export interface BackpressureOptions {
  /** Waiting jobs in the queue (one Redis round trip). */
  depth(): Promise<number>;
  /** Above this many waiting jobs, intake refuses new work. */
  maxDepth: number;
  /** How long one depth reading is trusted. */
  cacheMs?: number;
  retryAfterSeconds?: number;
  now?: () => number;
}

/**
 * Refuses new work while the workers are far behind, so a flood fills neither Redis memory
 * (noeviction: a full Redis refuses every write, completions included) nor hours of latency.
 * The depth is read at most once per `cacheMs` and concurrent callers share the reading, so the
 * hot path costs no extra round trip; the threshold is soft by up to cacheMs of arrivals.
 * Single and batch intake call the same `admit(n)`.
 */
export function createBackpressure(opts: BackpressureOptions) {
  const cacheMs = opts.cacheMs ?? 250;
  const retryAfter = opts.retryAfterSeconds ?? 5;
  const now = opts.now ?? Date.now;
  let reading: { depth: number; at: number } | null = null;
  let inFlight: Promise<number> | null = null;

  async function currentDepth(): Promise<number> {
    if (reading && now() - reading.at < cacheMs) return reading.depth;
    inFlight ??= opts.depth().then(
      (depth) => {
        reading = { depth, at: now() };
        inFlight = null;
        return depth;
      },
      (err: unknown) => {
        inFlight = null;
        throw err;
      },
    );
    return inFlight;
  }

  return {
    /** Throws UnavailableError (503 + Retry-After) when `n` more jobs would exceed the limit. */
    async admit(n = 1): Promise<void> {
      let depth: number;
      try {
        depth = await currentDepth();
      } catch (err) {
        throw new UnavailableError(`The queue cannot accept activities right now (${(err as Error).message})`, retryAfter);
      }
      if (depth + n > opts.maxDepth) {
        throw new UnavailableError(`The activities queue is over capacity (${depth} waiting, limit ${opts.maxDepth})`, retryAfter);
      }
    },
  };
}

export type Backpressure = ReturnType<typeof createBackpressure>;
