import type { Redis } from 'ioredis';

/**
 * A fixed window per address: the first failure starts it (INCR, then PEXPIRE), later ones count in
 * it, and the key expires with it. One EVAL, so API processes sharing the Redis count together.
 */
const COUNT_FAILURE = `
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}
`;

type WithFailureCount = Redis & { contactflowFailureCount(key: string, windowMs: number): Promise<[number, number]> };

export function createRedisFailureCounter(client: Redis, opts: { prefix: string; windowMs: number }) {
  if (!('contactflowFailureCount' in client)) client.defineCommand('contactflowFailureCount', { numberOfKeys: 1, lua: COUNT_FAILURE });
  const redis = client as WithFailureCount;
  return {
    async record(address: string) {
      const [count, resetMs] = await redis.contactflowFailureCount(`${opts.prefix}:authfail:${address}`, opts.windowMs);
      return { count, resetMs };
    },
  };
}
