import type { Logger } from '../shared/logger';
import type { ActivitiesQueue } from './activities.queue';
import type { RedisConnection } from './redis-connection';

export type FinishedState = 'completed' | 'failed';

export interface RetentionDeps {
  queue: Pick<ActivitiesQueue, 'getJobCountByTypes' | 'getJobs' | 'clean' | 'toKey'>;
  connection: Pick<RedisConnection, 'call' | 'set'>;
  /** Bytes the finished jobs of each state may hold in Redis. */
  maxBytes: Record<FinishedState, number>;
  logger: Logger;
}

// Enough jobs to estimate the average size. MEMORY USAGE … SAMPLES 0 reads every field of a job:
// its default samples five, and a job hash is a few small fields and one large one.
const SAMPLE = 20;
// One pass removes at most this many per state, so a large trim never holds Redis for long.
const MAX_REMOVED_PER_PASS = 5000;

/**
 * Finished jobs are kept by age and count (activityJobOptions); this bounds them by bytes as well,
 * since a count says little when payloads range from 200 bytes to 500 KB and Redis runs with
 * noeviction. It estimates a state's bytes as (average MEMORY USAGE of a sample) × count and removes
 * the oldest jobs over the bound. A lock makes one process do it per interval.
 */
export function createRetention(deps: RetentionDeps) {
  async function trim(state: FinishedState): Promise<number> {
    const count = await deps.queue.getJobCountByTypes(state);
    if (count === 0) return 0;
    const sample = await deps.queue.getJobs([state], 0, SAMPLE - 1, false);
    const sizes = await Promise.all(sample.filter((j) => j?.id).map((j) => deps.connection.call('MEMORY', 'USAGE', deps.queue.toKey(j.id!), 'SAMPLES', '0') as Promise<number | null>));
    const known = sizes.filter((s): s is number => typeof s === 'number' && s > 0);
    if (known.length === 0) return 0;
    const average = known.reduce((a, b) => a + b, 0) / known.length;
    const keep = Math.floor(deps.maxBytes[state] / average);
    const excess = Math.min(count - keep, MAX_REMOVED_PER_PASS);
    if (excess <= 0) return 0;
    // clean(0, n) removes the n oldest finished jobs (lowest finish time first).
    const removed = (await deps.queue.clean(0, excess, state)).length;
    deps.logger.info({ state, removed, estimatedBytes: Math.round(average * count), maxBytes: deps.maxBytes[state] }, 'finished jobs over their byte bound: oldest removed');
    return removed;
  }

  return {
    /** One pass over both states; returns what it removed. Skipped when another process holds the lock. */
    async run(lockKey: string, lockMs: number): Promise<Record<FinishedState, number> | null> {
      const locked = await deps.connection.set(lockKey, '1', 'PX', lockMs, 'NX');
      if (locked !== 'OK') return null;
      return { completed: await trim('completed'), failed: await trim('failed') };
    },
  };
}

/**
 * Runs a pass every `intervalMs` until stopped, and `alsoUnderLock` after each pass this process
 * won; a failed pass is logged and the next one tries again.
 */
export function scheduleRetention(
  retention: ReturnType<typeof createRetention>,
  lockKey: string,
  intervalMs: number,
  logger: Logger,
  alsoUnderLock?: () => Promise<unknown>,
): () => void {
  const timer = setInterval(() => {
    // The sweep runs even when the trim fails (MEMORY USAGE renamed on a managed Redis, say).
    retention
      .run(lockKey, intervalMs)
      .catch((err: unknown) => {
        logger.warn({ err }, 'finished-job retention pass failed');
        return 'failed' as const;
      })
      .then((ran) => (ran && alsoUnderLock ? alsoUnderLock() : undefined))
      .catch((err: unknown) => logger.warn({ err }, 'account depth sweep failed'));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
