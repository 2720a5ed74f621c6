/**
 * Open-loop producer for the latency / long-run benchmark, in its own process: enqueues activities
 * through the intake's producer (createIntakeProducer().enqueue: the exact call POST
 * /v1/activities makes, intake stage included) at a fixed rate for a fixed time, and records when each enqueue started.
 * Args (JSON in argv[2]): { redisUrl, prefix, rate, seconds, warmupSeconds, seed }.
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
}

const now = () => performance.timeOrigin + performance.now();

async function main(args: Args) {
  const conn = await ready(createRedisConnection(args.redisUrl, 'producer', 'bench-load'));
  const queue = createActivitiesQueue(conn, args.prefix, { attempts: 3, backoffMs: 1000 });
  const intakeQueue = createIntakeQueue(conn, args.prefix);
  const producer = createIntakeProducer({ intakeQueue, activitiesQueue: queue, client: conn });
  const run = 'lat' + args.prefix.replace(/\W/g, '');
  const warm = Math.round(args.rate * (args.warmupSeconds ?? 0));
  const total = warm + Math.round(args.rate * args.seconds);
  const sent: [string, number, number][] = []; // id, enqueue start, enqueue acknowledged
  const warmSent: [string, number, number][] = [];
  const pending: Promise<void>[] = [];
  let errors = 0;
  const t0 = now();
  let i = 0;
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
