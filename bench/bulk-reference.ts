/**
 * The batch intake's reference, in its own process: a bare BullMQ `queue.addBulk` of the jobs a
 * batch request enqueues (100 per call, the same job options from activityJobOptions), with
 * `concurrency` calls in flight, into the same Redis. No HTTP, no validation, no EXISTS, no sealing.
 * Args: { redisUrl, prefix }. On {type:'run', seconds, concurrency} it adds for `seconds` and
 * answers {type:'ran', activities, seconds}.
 */
import { Queue } from 'bullmq';
import { ACTIVITIES_QUEUE, activityJobOptions, PROCESS_ACTIVITY, type ActivityJobData } from '../src/jobs/activities.queue';
import { createRedisConnection } from '../src/jobs/redis-connection';
import { ACCOUNT, freshEmail, activity, uniquePhone } from './lib/activities';
import { childArgs, die, now, onStopRequest, send } from './lib/common';

async function main({ redisUrl, prefix }: { redisUrl: string; prefix: string }) {
  const conn = createRedisConnection(redisUrl, 'producer', 'bench-bulk-reference');
  await new Promise<void>((r) => (conn.status === 'ready' ? r() : conn.once('ready', () => r())));
  // The job data as the client sent it, unsealed: the reference is BullMQ's own cost alone.
  const queue = new Queue<ActivityJobData>(ACTIVITIES_QUEUE, { connection: conn, prefix, defaultJobOptions: activityJobOptions({ attempts: 8, backoffMs: 1000 }) });
  let n = 0;
  const jobs = (): { name: typeof PROCESS_ACTIVITY; data: ActivityJobData; opts: { jobId: string } }[] => {
    const receivedAt = new Date().toISOString();
    return Array.from({ length: 100 }, () => {
      const i = n++;
      const activityId = 'act_' + i.toString(16).padStart(32, '0');
      const data: ActivityJobData = { kind: 'activity', account: ACCOUNT, activityId, receivedAt, payload: activity(freshEmail('bulk', i), i, { phone: uniquePhone(i) }) };
      return { name: PROCESS_ACTIVITY, data, opts: { jobId: activityId } };
    });
  };
  process.on('message', async (m: { type?: string; seconds?: number; concurrency?: number }) => {
    if (m?.type !== 'run') return;
    const end = now() + m.seconds! * 1000;
    let activities = 0;
    const t0 = now();
    const loop = async () => {
      while (now() < end) {
        const batch = jobs();
        await queue.addBulk(batch);
        activities += batch.length;
      }
    };
    await Promise.all(Array.from({ length: m.concurrency! }, loop));
    await send({ type: 'ran', activities, seconds: (now() - t0) / 1000 });
  });
  onStopRequest(async () => {
    await queue.close();
    conn.disconnect();
  });
  await send({ type: 'ready' });
}

main(childArgs()).catch(die('bulk-reference'));
