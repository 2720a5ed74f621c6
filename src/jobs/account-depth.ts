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

// An id younger than this may belong to a job whose add is still on its way: never swept.
const SWEEP_MIN_AGE_MS = 60_000;
const SWEEP_BATCH = 500;

export function createAccountDepth(connection: Pick<RedisConnection, 'zcard' | 'zrem' | 'smembers' | 'zrangebyscore' | 'pipeline' | 'srem'>, keys: AccountDepthKeys) {
  return {
    depth: (account: string) => connection.zcard(keys.depth(account)),
    release: (account: string, id: string) => connection.zrem(keys.depth(account), id),
    /** Removes ids whose job is gone or finished; returns how many. */
    async sweep(now = Date.now()): Promise<number> {
      let removed = 0;
      for (const account of await connection.smembers(keys.accounts)) {
        const ids = await connection.zrangebyscore(keys.depth(account), '-inf', String(now - SWEEP_MIN_AGE_MS), 'LIMIT', '0', String(SWEEP_BATCH));
        if (ids.length === 0) {
          if ((await connection.zcard(keys.depth(account))) === 0) await connection.srem(keys.accounts, account);
          continue;
        }
        const states = connection.pipeline();
        for (const id of ids) states.hget(keys.job(id), 'finishedOn').exists(keys.job(id));
        const replies = (await states.exec()) ?? [];
        const done = ids.filter((_, i) => replies[2 * i]?.[1] != null || replies[2 * i + 1]?.[1] === 0);
        if (done.length) removed += await connection.zrem(keys.depth(account), ...done);
      }
      return removed;
    },
  };
}

export type AccountDepth = ReturnType<typeof createAccountDepth>;
