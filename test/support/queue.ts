import { createActivitiesQueue, type ActivitiesQueue } from '../../src/jobs/activities.queue';
import { createRedisConnection } from '../../src/jobs/redis-connection';
import { waitFor } from './wait';

/** The test's own handle on a run's `activities` queue (the processes under test have theirs). */
export function openQueue(redisUrl: string, prefix: string): { queue: ActivitiesQueue; close(): Promise<void> } {
  const connection = createRedisConnection(redisUrl, 'worker', 'faults-test');
  connection.on('error', () => {});
  const queue = createActivitiesQueue(connection, prefix, { attempts: 3 });
  queue.on('error', () => {});
  return {
    queue,
    async close() {
      await queue.close().catch(() => {});
      connection.disconnect();
    },
  };
}

/** Nothing waits, runs or is delayed any more. */
export async function drained(queue: ActivitiesQueue, timeoutMs = 60_000): Promise<void> {
  await waitFor(
    async () => {
      const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      return Object.values(c).reduce((a, b) => a + (b ?? 0), 0) === 0 ? true : undefined;
    },
    { timeoutMs, intervalMs: 100, what: 'the queue to drain' },
  );
}
