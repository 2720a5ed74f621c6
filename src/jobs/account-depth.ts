import type { RedisConnection } from './redis-connection';

/**
 * Accepted-but-unfinished jobs per account, so one tenant's backlog cannot take the whole queue
 * (backpressure.ts gives each account a share). Each account has a sorted set of its job ids
 * (score: accepted at); the producer adds a job's id in the same script that checks whether the job
 * already exists (no extra round trip, and a duplicate is not counted twice), and the worker
 * removes it once the job is finished. Ids whose job finished without that removal (a crash, an
 * erase, retention) are swept by `sweep`.
 */
export interface AccountDepthKeys {
  job(id: string): string;
  depth(account: string): string;
  accounts: string;
}

export function accountDepthKeys(toKey: (type: string) => string): AccountDepthKeys {
  return { job: (id) => toKey(id), depth: (account) => toKey(`depth:${account}`), accounts: toKey('depth-accounts') };
}

/** KEYS: job, account depth set, accounts set. ARGV: job id, now, account. Returns 1 when the job existed. */
export const ACCEPT_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 1 end
redis.call('ZADD', KEYS[2], 'NX', ARGV[2], ARGV[1])
redis.call('SADD', KEYS[3], ARGV[3])
return 0`;

type Pipeline = ReturnType<RedisConnection['pipeline']>;
const ACCEPT_COMMAND = 'contactflowAcceptJob';

/**
 * Adds the accept script to a connection's command set (ioredis then sends EVALSHA, and the script
 * itself only when Redis does not know it yet) and returns how to queue it on a pipeline.
 */
export function acceptCommand(connection: Pick<RedisConnection, 'defineCommand'>): (p: Pipeline, keys: [string, string, string], id: string, now: string, account: string) => void {
  if (!(ACCEPT_COMMAND in connection)) connection.defineCommand(ACCEPT_COMMAND, { numberOfKeys: 3, lua: ACCEPT_SCRIPT });
  return (p, keys, id, now, account) => (p as unknown as Record<string, (...a: string[]) => void>)[ACCEPT_COMMAND]!(...keys, id, now, account);
}

// An id younger than this may belong to a job whose add is still on its way: never swept.
const SWEEP_MIN_AGE_MS = 60_000;
const SWEEP_BATCH = 500;

// Finished ids are removed in one pipeline per this many ms, not one command per job.
const RELEASE_EVERY_MS = 20;

export function createAccountDepth(connection: Pick<RedisConnection, 'zcard' | 'zrem' | 'smembers' | 'zrangebyscore' | 'pipeline' | 'srem'>, keys: AccountDepthKeys) {
  let finished = new Map<string, string[]>();
  const sweepFrom = new Map<string, number>();
  let flushing: Promise<void> | null = null;

  async function flush(): Promise<void> {
    const batch = finished;
    finished = new Map();
    flushing = null;
    const p = connection.pipeline();
    for (const [account, ids] of batch) p.zrem(keys.depth(account), ...ids);
    // A failed removal leaves ids the sweep removes later: the count is then high for a while, never low.
    await p.exec();
  }

  return {
    depth: (account: string) => connection.zcard(keys.depth(account)),
    /** Takes a finished job off its account's depth, batched with the others of the next few ms. */
    release(account: string, id: string): Promise<void> {
      const ids = finished.get(account);
      if (ids) ids.push(id);
      else finished.set(account, [id]);
      return (flushing ??= new Promise((resolve) => setTimeout(resolve, RELEASE_EVERY_MS)).then(flush));
    },
    /**
     * Removes ids whose job is gone or finished; returns how many. Each pass reads the next
     * SWEEP_BATCH ids of each account (oldest first, starting over at the end), so during a long
     * backlog the pass still reaches ids past the oldest, still waiting ones.
     */
    async sweep(now = Date.now()): Promise<number> {
      let removed = 0;
      for (const account of await connection.smembers(keys.accounts)) {
        const offset = sweepFrom.get(account) ?? 0;
        const ids = await connection.zrangebyscore(keys.depth(account), '-inf', String(now - SWEEP_MIN_AGE_MS), 'LIMIT', String(offset), String(SWEEP_BATCH));
        if (ids.length === 0) {
          sweepFrom.delete(account);
          if (offset === 0 && (await connection.zcard(keys.depth(account))) === 0) await connection.srem(keys.accounts, account);
          continue;
        }
        const states = connection.pipeline();
        for (const id of ids) states.hget(keys.job(id), 'finishedOn').exists(keys.job(id));
        const replies = (await states.exec()) ?? [];
        const done = ids.filter((_, i) => replies[2 * i]?.[1] != null || replies[2 * i + 1]?.[1] === 0);
        if (done.length) removed += await connection.zrem(keys.depth(account), ...done);
        // The removed ones no longer take a place: the next window starts that much earlier.
        if (ids.length < SWEEP_BATCH) sweepFrom.delete(account);
        else sweepFrom.set(account, offset + ids.length - done.length);
      }
      return removed;
    },
  };
}

export type AccountDepth = ReturnType<typeof createAccountDepth>;
