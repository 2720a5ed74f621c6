import { Redis, type RedisOptions } from 'ioredis';

export type RedisConnection = Redis;

/**
 * Connections as BullMQ documents them: workers block and must never give up on a command
 * (maxRetriesPerRequest: null); producers serve HTTP requests and must fail fast when Redis is
 * down (no offline queue) so the intake can answer 503 instead of hanging or lying with a 202.
 */
export function createRedisConnection(url: string, purpose: 'producer' | 'worker' | 'general', name: string): Redis {
  const base: RedisOptions = { connectionName: `contactflow:${name}`, lazyConnect: false };
  if (purpose === 'worker') {
    return new Redis(url, { ...base, maxRetriesPerRequest: null, enableReadyCheck: true });
  }
  return new Redis(url, {
    ...base,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 2000,
    commandTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
}
