import type { Redis } from 'ioredis';

/**
 * A token bucket per account in Redis: every API process shares it, and one EVAL is both the read
 * and the write, so concurrent requests on any number of processes cannot overspend. The clock is
 * Redis's own (TIME), so API hosts with skewed clocks agree. The key sits under the configured
 * prefix hash tag, so it lives in the same cluster slot as the queue's keys.
 *
 * The bucket holds up to `burst` tokens and refills at `perSecond`; a request costing more than
 * `burst` is charged `burst` (it could otherwise never pass).
 */
const TOKEN_BUCKET = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = burst
  ts = now
end
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate / 1000)
local allowed = 0
local waitMs = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
else
  waitMs = math.ceil((cost - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
return {allowed, waitMs}
`;

export interface RedisRateLimiterOptions {
  prefix: string;
  perSecond: number;
  burst: number;
}

type WithTokenBucket = Redis & {
  contactflowTokenBucket(key: string, rate: number, burst: number, cost: number): Promise<[number, number]>;
};

export function createRedisRateLimiter(client: Redis, opts: RedisRateLimiterOptions) {
  // defineCommand sends the script once and then calls it by SHA (EVALSHA, reloading on NOSCRIPT).
  if (!('contactflowTokenBucket' in client)) client.defineCommand('contactflowTokenBucket', { numberOfKeys: 1, lua: TOKEN_BUCKET });
  const redis = client as WithTokenBucket;
  return {
    async consume(account: string, cost: number) {
      const charged = Math.max(1, Math.min(cost, opts.burst));
      const [allowed, waitMs] = await redis.contactflowTokenBucket(`${opts.prefix}:ratelimit:${account}`, opts.perSecond, opts.burst, charged);
      return { allowed: allowed === 1, retryAfterSeconds: allowed === 1 ? 0 : Math.ceil(waitMs / 1000) };
    },
  };
}
