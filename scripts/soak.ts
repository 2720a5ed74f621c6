/**
 * npm run soak -- --minutes N   (not part of npm test)
 *
 * Steady load for N minutes against one API process and three worker processes sharing one store
 * (test/support/shared-store.ts), on a private redis-server with AOF: Redis is SIGKILLed at the
 * half and restarted from its AOF 3 s later, a worker is SIGKILLed (and replaced) every 30 s. Then the queue drains and the run is
 * reconciled (test/support/reconcile.ts). Prints the figures; exit code 1 when they do not balance.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { startRedisServer, type StartedRedis } from '../src/infra/redis-server';
import { TEST_API_KEY } from '../test/support/app';
import { deliver, LoadRecord, loadItem, suppressPerson } from '../test/support/fault-load';
import { drained, openQueue } from '../test/support/queue';
import { BALANCED, balanced, reconcile } from '../test/support/reconcile';
import { startTestRedis } from '../test/support/redis';
import { hostStore, SHARED_WEBHOOK_SECRET } from '../test/support/shared-store';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const MINUTES = arg('minutes', 10);
const RATE = arg('rate', 100); // activities per second
const PERSONS = 500;

async function main() {
  const redis = await startTestRedis();
  let restarted: StartedRedis | undefined;
  const prefix = `{soak${randomBytes(4).toString('hex')}}`;
  const host = hostStore({ REDIS_URL: redis.url, REDIS_PREFIX: prefix, WORKER_CONCURRENCY: '10', WORKER_LOCK_MS: '3000', WORKER_STALLED_INTERVAL_MS: '1500', JOB_BACKOFF_MS: '100', LOG_LEVEL: 'warn' });
  const q = openQueue(redis.url, prefix);
  const started = Date.now();
  try {
    const api = await host.start('api');
    const workers = await Promise.all([host.start('worker'), host.start('worker'), host.start('worker')]);
    await suppressPerson(api.baseUrl, TEST_API_KEY);
    const record = new LoadRecord();
    const end = Date.now() + MINUTES * 60_000;
    let sent = 0;
    let kills = 0;
    let redisRestarts = 0;
    const inflight = new Set<Promise<unknown>>();
    const killer = (async () => {
      while (Date.now() < end) {
        await sleep(30_000);
        if (Date.now() >= end) break;
        const i = kills % workers.length;
        workers[i]!.child.kill('SIGKILL');
        await workers[i]!.exited();
        kills++;
        workers[i] = await host.start('worker');
      }
    })();
    const restarter = (async () => {
      await sleep((MINUTES * 60_000) / 2);
      const gone = new Promise((r) => redis.process.once('exit', r));
      redis.process.kill('SIGKILL'); // a crash, not a shutdown: the AOF is all that comes back
      await gone;
      await sleep(3000);
      restarted = await startRedisServer({ dir: redis.dir, port: redis.port });
      redisRestarts++;
    })();
    const progress = setInterval(() => {
      process.stderr.write(`soak: ${((Date.now() - started) / 1000).toFixed(0)} s, sent ${sent}, accepted ${record.accepted.size}, kills ${kills}, redis restarts ${redisRestarts}, answers ${JSON.stringify(record.answers)}\n`);
    }, 15_000);
    const loadStart = Date.now();
    while (Date.now() < end) {
      const tick = Date.now();
      for (let k = 0; k < RATE / 10; k++) {
        const p = deliver([api.baseUrl], loadItem(sent++, { persons: PERSONS, apiKey: TEST_API_KEY, webhookSecret: SHARED_WEBHOOK_SECRET, namespace: `soak${started}` }), record);
        inflight.add(p);
        void p.finally(() => inflight.delete(p));
      }
      await sleep(Math.max(0, 100 - (Date.now() - tick)));
    }
    await Promise.all([killer, restarter, ...inflight]);
    clearInterval(progress);
    const drainStart = Date.now();
    await drained(q.queue, 300_000);
    const r = await reconcile({ baseUrl: api.baseUrl, apiKey: TEST_API_KEY, accepted: record.accepted, queue: q.queue, store: { repos: host.repos, account: 'default' }, label: `soak ${MINUTES} min` });
    const ok = JSON.stringify(balanced(r)) === JSON.stringify(BALANCED) && record.unexpected.length === 0 && r.accepted === sent;
    process.stdout.write(
      `soak ${MINUTES} min (target ${RATE}/s, achieved ${(sent / ((end - loadStart) / 1000)).toFixed(0)}/s): sent ${sent}, accepted ${r.accepted}; worker SIGKILLs ${kills}; Redis restarts ${redisRestarts}; ` +
        `answers ${JSON.stringify(record.answers)}; drain after the load ${((Date.now() - drainStart) / 1000).toFixed(1)} s; unexpected ${record.unexpected.length}; ${ok ? 'BALANCED' : 'NOT BALANCED'}\n`,
    );
    process.exitCode = ok ? 0 : 1;
  } finally {
    await host.stopAll();
    await q.close();
    await restarted?.stop();
    await redis.cleanup();
  }
}

void main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
