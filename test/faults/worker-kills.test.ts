import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { TEST_API_KEY } from '../support/app';
import { deliver, expectedSeqs, loadIdentifiers, LoadRecord, loadItems, personEmail, suppressPerson } from '../support/fault-load';
import { findPii } from '../support/pii';
import { drained, openQueue } from '../support/queue';
import { BALANCED, balanced, reconcile } from '../support/reconcile';
import { startTestRedis } from '../support/redis';
import { hostStore, SHARED_WEBHOOK_SECRET, type HostedProcess, type StoreHost } from '../support/shared-store';
import { pool } from '../support/workload';

/**
 * Worker processes SIGKILLed repeatedly under load, and restarted. The processes are real
 * (test/support/store-process.ts: the composition root in its own process); the store they share
 * lives in the test process (test/support/shared-store.ts), so killing a worker loses what a worker
 * holds (its job locks, its in-flight store calls) and not the store, as with MongoDB. Redis keeps
 * the killed worker's jobs "active" until their lock expires; another worker then takes them and
 * finishes their claims.
 */
const PERSONS = 60;
const COUNT = 1000;

let redis: Awaited<ReturnType<typeof startTestRedis>>;
let host: StoreHost;
let q: ReturnType<typeof openQueue>;

beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await host?.stopAll();
  await q?.close();
  await redis?.cleanup();
});

describe('worker processes SIGKILLed under load', () => {
  it('every accepted activity is processed, unidentified, suppressed or failed-and-visible exactly once', async () => {
    const prefix = `{wk${randomBytes(4).toString('hex')}}`;
    host = hostStore({
      REDIS_URL: redis.url,
      REDIS_PREFIX: prefix,
      WORKER_CONCURRENCY: '8',
      // A dead worker's jobs come back within ~1.5 s, not the production 30 s.
      WORKER_LOCK_MS: '1000',
      WORKER_STALLED_INTERVAL_MS: '500',
      JOB_BACKOFF_MS: '50',
      JOB_ATTEMPTS: '20',
    });
    q = openQueue(redis.url, prefix);
    const api = await host.start('api');
    const workers: HostedProcess[] = await Promise.all([host.start('worker'), host.start('worker'), host.start('worker')]);
    await suppressPerson(api.baseUrl, TEST_API_KEY);

    const items = loadItems(COUNT, { persons: PERSONS, apiKey: TEST_API_KEY, webhookSecret: SHARED_WEBHOOK_SECRET });
    const record = new LoadRecord();
    let loading = true;
    const load = pool(items, 8, async (item) => {
      await deliver([api.baseUrl], item, record);
      await sleep(30); // steady, not a burst: the kills land while jobs are in flight
    }).finally(() => (loading = false));

    // Kill a random worker every ~1.2 s while the load runs (at least 5 kills), start a replacement.
    let kills = 0;
    let killedActive = 0;
    while (loading || kills < 5) {
      await sleep(1200);
      const i = kills % workers.length;
      const victim = workers[i]!;
      killedActive += (await q.queue.getJobCounts('active')).active ?? 0;
      victim.child.kill('SIGKILL');
      await victim.exited();
      kills++;
      workers[i] = await host.start('worker');
    }
    await load;
    await drained(q.queue);

    const r = await reconcile({ baseUrl: api.baseUrl, apiKey: TEST_API_KEY, accepted: record.accepted, queue: q.queue, store: { repos: host.repos, account: 'default' }, label: `worker kills ×${kills}` });
    process.stdout.write(`worker kills: ${kills} SIGKILLs with ${killedActive} jobs active at the kills; answers ${JSON.stringify(record.answers)}; store calls ${host.calls()}\n`);

    expect(record.unexpected).toEqual([]);
    expect(kills).toBeGreaterThanOrEqual(5);
    expect(r.accepted).toBe(COUNT);
    expect(balanced(r)).toEqual(BALANCED);
    const kinds = (k: string) => items.filter((i) => i.kind === k).length;
    expect({ unidentified: r.unidentified, suppressed: r.suppressed, failed: r.failedVisible, processed: r.processed }).toEqual({
      unidentified: kinds('unidentified'),
      suppressed: kinds('suppressed'),
      failed: kinds('failing'),
      processed: kinds('identified'),
    });

    // One contact per person, each holding its newest event's value, and nobody else's.
    expect(await host.repos.contacts.count('default')).toBe(PERSONS);
    for (const [person, seq] of expectedSeqs(items)) {
      const c = await host.repos.contacts.findByEmail('default', personEmail(person));
      expect({ person, seq: c?.fields.seq?.value }).toEqual({ person, seq });
    }
    expect(findPii(host.logs(), loadIdentifiers(PERSONS))).toEqual([]);
  }, 110_000);
});
