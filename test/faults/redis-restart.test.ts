import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { startRedisServer, type StartedRedis } from '../../src/infra/redis-server';
import { TEST_API_KEY } from '../support/app';
import { deliver, expectedSeqs, loadIdentifiers, LoadRecord, loadItems, personEmail, phases, suppressPerson } from '../support/fault-load';
import { findPii } from '../support/pii';
import { drained, openQueue } from '../support/queue';
import { BALANCED, balanced, reconcile } from '../support/reconcile';
import { startTestRedis } from '../support/redis';
import { startService, type RunningService } from '../support/service';
import { SHARED_WEBHOOK_SECRET } from '../support/shared-store';
import { pool } from '../support/workload';

/**
 * Redis killed (SIGKILL) mid-load and restarted from its append-only file, under a real `src/main.ts` process (ROLE=all:
 * its in-memory store lives in the process, which survives; Redis goes away and comes back with
 * what it had acknowledged). While Redis is down every intake answer is a 503; after it returns the
 * clients' resends are accepted, and the run reconciles exactly: no 202 was given for a job Redis
 * did not keep. (test/integration/redis-down.test.ts covers the single-request case.)
 */
const PERSONS = 40;
const COUNT = 800;

let redis: Awaited<ReturnType<typeof startTestRedis>>;
let restarted: StartedRedis | undefined;
let service: RunningService | undefined;
let q: ReturnType<typeof openQueue> | undefined;

beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await service?.stop();
  await q?.close();
  await restarted?.stop();
  await redis?.cleanup();
});

describe('Redis killed and restarted under load (AOF)', () => {
  it('503 while down, never 202 for a job Redis lost, and exact reconciliation after', async () => {
    const t = phases();
    const prefix = `{rr${randomBytes(4).toString('hex')}}`;
    service = await startService({ REDIS_URL: redis.url, REDIS_PREFIX: prefix, WORKER_CONCURRENCY: '8', JOB_BACKOFF_MS: '100', SHUTDOWN_TIMEOUT_MS: '3000',
      // Jobs active when Redis went away are taken again after their lock expires: 2 s here, not 30.
      WORKER_LOCK_MS: '2000', WORKER_STALLED_INTERVAL_MS: '1000' });
    await suppressPerson(service.baseUrl, TEST_API_KEY);
    t.mark('start');

    const items = loadItems(COUNT, { persons: PERSONS, apiKey: TEST_API_KEY, webhookSecret: SHARED_WEBHOOK_SECRET, namespace: 'redis' });
    const record = new LoadRecord();
    const load = pool(items, 8, async (item) => {
      await deliver([service!.baseUrl], item, record);
      await sleep(20);
    });

    while (record.accepted.size < COUNT / 3) await sleep(50);
    const acceptedBeforeStop = record.accepted.size;
    // SIGKILL, not a shutdown: what comes back is what the append-only file already held. (Redis
    // writes the AOF before it answers; fsync every second only matters if the host itself dies.)
    const gone = new Promise((r) => redis.process.once('exit', r));
    redis.process.kill('SIGKILL');
    await gone;
    await sleep(300); // answers already on their way when it exited may still arrive
    const statusesBefore = { ...record.answers };
    record.markDown();
    const readyDown = await fetch(`${service.baseUrl}/readyz`);
    await sleep(2500);
    record.markUp();
    const answeredDown = Object.fromEntries(Object.entries(record.answers).map(([k, v]) => [k, v - (statusesBefore[k] ?? 0)]).filter(([, v]) => (v as number) > 0));
    restarted = await startRedisServer({ dir: redis.dir, port: redis.port });
    await load;
    t.mark('load');

    q = openQueue(redis.url, prefix);
    await drained(q.queue);
    t.mark('drain');
    const r = await reconcile({ baseUrl: service.baseUrl, apiKey: TEST_API_KEY, accepted: record.accepted, queue: q.queue, walkContacts: true, label: 'redis restart' });
    t.mark('reconcile');
    process.stdout.write(
      `redis restart: ${acceptedBeforeStop} accepted before the stop; while down ${JSON.stringify(answeredDown)}, 202s ${record.acceptedWhileDown}; all answers ${JSON.stringify(record.answers)}; ${t}\n`,
    );

    expect(readyDown.status).toBe(503);
    expect(record.acceptedWhileDown).toBe(0);
    expect(answeredDown['503'] ?? 0).toBeGreaterThan(0);
    expect(Object.keys(answeredDown).filter((s) => s !== '503' && s !== 'network')).toEqual([]);
    expect(record.unexpected).toEqual([]);
    expect(r.accepted).toBe(COUNT);
    expect(balanced(r)).toEqual(BALANCED);

    const contacts = await (await fetch(`${service.baseUrl}/v1/contacts?limit=100`, { headers: { authorization: `Bearer ${TEST_API_KEY}` } })).json();
    expect(contacts.data).toHaveLength(PERSONS);
    for (const [person, seq] of expectedSeqs(items)) {
      const c = contacts.data.find((x: { email: string }) => x.email === personEmail(person));
      expect({ person, seq: c?.fields.seq?.value }).toEqual({ person, seq });
    }
    expect(findPii(service.output(), loadIdentifiers(PERSONS))).toEqual([]);
  }, 110_000);
});
