import { UnavailableError } from '../shared/errors';

export interface BackpressureOptions {
  /** Waiting jobs in the queue (one Redis round trip). */
  depth(): Promise<number>;
  /** Above this many waiting jobs, intake refuses new work. */
  maxDepth: number;
  /** Accepted-but-unfinished jobs of one account (account-depth.ts). */
  accountDepth?(account: string): Promise<number>;
  /** An account at this many is refused while the others are still accepted. */
  maxAccountDepth?: number;
  /** Redis memory in use and its maxmemory (0: none set). */
  memory?(): Promise<{ used: number; max: number }>;
  /** Refuse new work once used / maxmemory reaches this, before Redis refuses writes (completions included). */
  maxMemoryRatio?: number;
  /** How long one reading is trusted. */
  cacheMs?: number;
  retryAfterSeconds?: number;
  now?: () => number;
}

/**
 * Refuses new work while the workers are far behind, so a flood fills neither Redis memory
 * (noeviction: a full Redis refuses every write, completions included) nor hours of latency, and
 * so one account's flood leaves the others room: each account may hold only its share of the
 * depth. Every reading is taken at most once per `cacheMs`, shared by concurrent callers, so the
 * hot path costs no extra round trip; the thresholds are soft by up to cacheMs of arrivals.
 * Single and batch intake call the same `admit(n, account)`.
 */
export function createBackpressure(opts: BackpressureOptions) {
  const cacheMs = opts.cacheMs ?? 250;
  const retryAfter = opts.retryAfterSeconds ?? 5;
  const now = opts.now ?? Date.now;
  const depth = cachedReading(opts.depth, cacheMs, now);
  const memory = opts.memory ? cachedReading(opts.memory, cacheMs, now) : null;
  const accounts = new Map<string, () => Promise<number>>();
  const lastAccountDepth = new Map<string, number>();

  function accountDepth(account: string): Promise<number> {
    let read = accounts.get(account);
    if (!read) {
      // One cached reader per account seen; the map is cleared whole now and then, so tenants that
      // stopped sending do not accumulate readers.
      if (accounts.size >= 10_000) accounts.clear();
      if (lastAccountDepth.size >= 10_000) lastAccountDepth.clear();
      const readDepth = async () => {
        const depth = await opts.accountDepth!(account);
        lastAccountDepth.set(account, depth);
        return depth;
      };
      accounts.set(account, (read = cachedReading(readDepth, cacheMs, now)));
    }
    return read();
  }

  return {
    /** The account's depth as last read (0 before the first reading): no round trip. */
    lastAccountDepth: (account: string) => lastAccountDepth.get(account) ?? 0,
    /** Throws UnavailableError (503 + Retry-After) when `n` more jobs would exceed a limit. */
    async admit(n = 1, account?: string): Promise<void> {
      let readings: [number, { used: number; max: number } | null, number | null];
      try {
        readings = await Promise.all([
          depth(),
          memory ? memory() : null,
          account !== undefined && opts.accountDepth && opts.maxAccountDepth ? accountDepth(account) : null,
        ]);
      } catch (err) {
        throw new UnavailableError(`The queue cannot accept activities right now (${(err as Error).message})`, retryAfter);
      }
      const [waiting, mem, own] = readings;
      if (waiting + n > opts.maxDepth) {
        throw new UnavailableError(`The activities queue is over capacity (${waiting} waiting, limit ${opts.maxDepth})`, retryAfter);
      }
      if (own !== null && own + n > opts.maxAccountDepth!) {
        throw new UnavailableError(`This account has ${own} activities waiting, its share of the queue is ${opts.maxAccountDepth}`, retryAfter);
      }
      if (mem && mem.max > 0 && mem.used / mem.max >= (opts.maxMemoryRatio ?? 0.8)) {
        throw new UnavailableError('Redis memory is nearly full: intake pauses until the workers catch up', retryAfter);
      }
    },
  };
}

/** `read` at most once per `cacheMs`; callers during a read share it; a failed read is not cached. */
function cachedReading<T>(read: () => Promise<T>, cacheMs: number, now: () => number): () => Promise<T> {
  let reading: { value: T; at: number } | null = null;
  let inFlight: Promise<T> | null = null;
  return () => {
    if (reading && now() - reading.at < cacheMs) return Promise.resolve(reading.value);
    inFlight ??= read().then(
      (value) => {
        reading = { value, at: now() };
        inFlight = null;
        return value;
      },
      (err: unknown) => {
        inFlight = null;
        throw err;
      },
    );
    return inFlight;
  }
}

/** used_memory and maxmemory from `INFO memory`. */
export function parseMemoryInfo(info: string): { used: number; max: number } {
  const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? 0);
  return { used: field('used_memory'), max: field('maxmemory') };
}

export type Backpressure = ReturnType<typeof createBackpressure>;
