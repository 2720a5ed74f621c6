import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { activityJobOptions, ACTIVITIES_QUEUE, PROCESS_ACTIVITY, type ActivitiesQueue } from '../../src/jobs/activities.queue';
import { createRedisConnection, type RedisConnection } from '../../src/jobs/redis-connection';
import { createRetention } from '../../src/jobs/retention';
import { createLogger } from '../../src/shared/logger';
import { startTestRedis } from '../support/redis';
import { testSealer } from '../support/sealer';

type Redis = Awaited<ReturnType<typeof startTestRedis>>;
let redis: Redis;
let connection: RedisConnection;
let queue: ActivitiesQueue;
const sealer = testSealer();

beforeAll(async () => {
  redis = await startTestRedis();
  connection = createRedisConnection(redis.url, 'producer', 'retention-test');
  queue = new Queue(ACTIVITIES_QUEUE, { connection, prefix: `{r${randomBytes(3).toString('hex')}}`, defaultJobOptions: activityJobOptions({ attempts: 1 }) }) as ActivitiesQueue;
});

afterAll(async () => {
  await queue?.close();
  connection?.disconnect();
  await redis?.cleanup();
});

/** `n` finished jobs of about `bytes` each, in the given state, oldest first. */
async function finished(state: 'completed' | 'failed', n: number, bytes: number, from: number) {
  const client = connection;
  for (let i = 0; i < n; i++) {
    const id = `act_${state}_${from + i}`;
    const data = sealer.seal({ kind: 'activity', account: 'a', activityId: id, receivedAt: new Date().toISOString(), payload: { note: 'x'.repeat(bytes) } });
    await queue.add(PROCESS_ACTIVITY, data, { jobId: id });
    // Moved to its finished set directly, with a finish time in order: no worker needed to say how old it is.
    await client.multi().lrem(queue.toKey('wait'), 0, id).zadd(queue.toKey(state), String(from + i), id).hset(queue.toKey(id), 'finishedOn', String(from + i)).exec();
  }
}

describe('finished-job retention by bytes', () => {
  it('removes the oldest finished jobs beyond each state\'s byte bound, and nothing while under it', async () => {
    await finished('completed', 120, 2000, 1_000);
    await finished('failed', 30, 2000, 1_000);
    const retention = createRetention({ queue, connection, maxBytes: { completed: 100_000, failed: 1_000_000 }, logger: createLogger('silent') });

    const removed = await retention.run(queue.toKey('retention-lock-1'), 60_000);
    expect(removed!.failed).toBe(0);
    expect(removed!.completed).toBeGreaterThan(40);
    const left = await queue.getJobCountByTypes('completed');
    expect(left).toBe(120 - removed!.completed);
    // What is left fits the bound, measured by Redis itself.
    const ids = await connection.zrange(queue.toKey('completed'), '0', '-1');
    const sizes = await Promise.all(ids.map((id) => connection.call('MEMORY', 'USAGE', queue.toKey(id), 'SAMPLES', '0') as Promise<number>));
    expect(sizes.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(100_000 * 1.1);
    // The oldest went: the newest job is still there, the oldest is gone.
    expect(ids).toContain('act_completed_1119');
    expect(ids).not.toContain('act_completed_1000');
    expect(await queue.getJobCountByTypes('failed')).toBe(30);

    // Another process holding the lock: this pass does nothing.
    expect(await retention.run(queue.toKey('retention-lock-1'), 60_000)).toBeNull();
    // Under the bound now: a new pass removes nothing.
    expect(await retention.run(queue.toKey('retention-lock-2'), 60_000)).toEqual({ completed: 0, failed: 0 });
  });
});
