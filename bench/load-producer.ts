/**
 * Open-loop producer for the latency / long-run benchmark, in its own process: enqueues activities
 * through the intake's producer (createIntakeProducer().enqueue: the exact call POST
 * /v1/activities makes, intake stage included) at a fixed rate for a fixed time, and records when each enqueue started.
 * Args (JSON in argv[2]): { redisUrl, prefix, rate, seconds, warmupSeconds, seed, mode, maxWaiting }.
 */
import { createActivitiesQueue } from '../src/jobs/activities.queue';
import { createIntakeProducer } from '../src/jobs/intake-producer';
import { createIntakeQueue } from '../src/jobs/intake.queue';
import { createRedisConnection } from '../src/jobs/redis-connection';
import { ready, send } from './lib/common';
import { benchJob } from './lib/activities';

interface Args {
  redisUrl: string;
  prefix: string;
  rate: number;
  seconds: number;
  /** Seconds at the same rate before the measured ones: sent and processed, not recorded. */
  warmupSeconds?: number;
  seed: number;
  /**
   * saturate: no schedule; keep the intake stage at `maxWaiting` waiting intake jobs of 10 for
   * `seconds`, so the worker never idles and the backlog stays bounded. What the worker then
   * completes per second is the pipeline's saturation with this producer beside it on the same
   * cores, as in the paced run (bench/run.ts, latencySaturation).
   */
  mode?: 'paced' | 'saturate';
  maxWaiting?: number;
  /** Distinguishes the activity ids of two producers on one prefix. */
  tag?: string;
}

const now = () => performance.timeOrigin + performance.now();

async function main(args: Args) {
  const conn = await ready(createRedisConnection(args.redisUrl, 'producer', 'bench-load'));
  const queue = createActivitiesQueue(conn, args.prefix, { attempts: 3, backoffMs: 1000 });
  const intakeQueue = createIntakeQueue(conn, args.prefix);
  const producer = createIntakeProducer({ intakeQueue, activitiesQueue: queue, client: conn });
  const run = 'lat' + args.prefix.replace(/\W/g, '') + (args.tag ?? '');
  const warm = Math.round(args.rate * (args.warmupSeconds ?? 0));
  const total = warm + Math.round(args.rate * args.seconds);
  const sent: [string, number, number][] = []; // id, enqueue start, enqueue acknowledged
  const warmSent: [string, number, number][] = [];
  const pending: Promise<void>[] = [];
  let errors = 0;
  const t0 = now();
  let i = 0;
  if (args.mode === 'saturate') {
    const maxWaiting = args.maxWaiting ?? 20;
    while (now() - t0 < args.seconds * 1000) {
      const room = maxWaiting - (await intakeQueue.getWaitingCount());
      for (let g = 0; g < room; g++) {
        // Ten per event-loop turn: the intake producer writes one intake job per turn, so the jobs
        // are the paced run's size (≈ 10 per 5 ms tick at 2,000/s), not larger and cheaper.
        const group: Promise<void>[] = [];
        for (let k = 0; k < 10; k++) {
          const job = benchJob(run, i++, args.seed, new Date().toISOString());
          const start = now();
          group.push(producer.enqueue(job).then(() => void sent.push([job.activityId, start, now()]), () => void errors++));
        }
        await Promise.all(group);
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    await send({ type: 'result', sent, warm: [], errors, seconds: (now() - t0) / 1000 });
    await Promise.all([queue.close(), intakeQueue.close()]);
    conn.disconnect();
    return;
  }
  // Every 5 ms, send what the schedule says is due (open loop: a slow reply never delays the next send).
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const due = Math.min(total, Math.floor(((now() - t0) / 1000) * args.rate));
      while (i < due) {
        const measured = i >= warm;
        const job = benchJob(run, i++, args.seed, new Date().toISOString());
        const start = now();
        pending.push(
          producer.enqueue(job).then(
            () => void (measured ? sent : warmSent).push([job.activityId, start, now()]),
            () => void errors++,
          ),
        );
      }
      if (i >= total) {
        clearInterval(tick);
        resolve();
      }
    }, 5);
  });
  await Promise.all(pending);
  const seconds = (now() - t0) / 1000;
  await send({ type: 'result', sent, warm: warmSent, errors, seconds });
  await queue.close();
  await intakeQueue.close();
  conn.disconnect();
}

main(JSON.parse(process.argv[2] ?? '{}') as Args)
  .then(() => process.exit(0))
  .catch((err) => {
    process.stderr.write(`load-producer: ${(err as Error).stack}\n`);
    process.exit(1);
  });
