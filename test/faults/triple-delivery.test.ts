import { randomBytes } from 'node:crypto';
import { TEST_API_KEY } from '../support/app';
import { phases, deliver, expectedSeqs, loadIdentifiers, LoadRecord, loadItems, personEmail, suppressPerson, type LoadItem } from '../support/fault-load';
import { findPii } from '../support/pii';
import { drained, openQueue } from '../support/queue';
import { BALANCED, balanced, reconcile } from '../support/reconcile';
import { startTestRedis } from '../support/redis';
import { hostStore, SHARED_WEBHOOK_SECRET, type StoreHost } from '../support/shared-store';
import { pool } from '../support/workload';

/**
 * Every activity delivered three times, in three different orders, each stream to a different API
 * process, while the workers of those three processes (test/support/shared-store.ts: ROLE=all on one
 * shared store) run the jobs: each key gets one
 * id from all three, one job, one record; the final contacts are what one delivery in order gives.
 */
const PERSONS = 40;
const COUNT = 400;

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

function shuffled<T>(xs: T[], seed: number): T[] {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('every activity delivered three times across processes', () => {
  it('one id, one job and one record per activity; contacts exact', async () => {
    const t = phases();
    const prefix = `{td${randomBytes(4).toString('hex')}}`;
    host = hostStore({ REDIS_URL: redis.url, REDIS_PREFIX: prefix, WORKER_CONCURRENCY: '8', JOB_BACKOFF_MS: '50', JOB_ATTEMPTS: '20' });
    q = openQueue(redis.url, prefix);
    // Three processes, each an API and a worker (ROLE=all) on the one shared store.
    const apis = await Promise.all([host.start('all'), host.start('all'), host.start('all')]);
    await suppressPerson(apis[0]!.baseUrl, TEST_API_KEY);
    t.mark('start');

    const items = loadItems(COUNT, { persons: PERSONS, apiKey: TEST_API_KEY, webhookSecret: SHARED_WEBHOOK_SECRET, namespace: 'triple' });
    const orders: LoadItem[][] = [items, [...items].reverse(), shuffled(items, 42)];
    const record = new LoadRecord();
    const idsByKey = new Map<string, Set<string>>();
    await Promise.all(
      orders.map((order, n) =>
        pool(order, 6, async (item) => {
          const id = await deliver([apis[n]!.baseUrl], item, record);
          if (id) idsByKey.set(item.key, (idsByKey.get(item.key) ?? new Set()).add(id));
        }),
      ),
    );
    t.mark('load');
    await drained(q.queue);
    t.mark('drain');

    const jobs = await q.queue.getJobCounts('completed', 'failed');
    const r = await reconcile({ baseUrl: apis[1]!.baseUrl, apiKey: TEST_API_KEY, accepted: record.accepted, queue: q.queue, store: { repos: host.repos, account: 'default' }, label: 'triple delivery' });
    t.mark('reconcile');
    process.stdout.write(`triple delivery: ${COUNT * 3} deliveries; answers ${JSON.stringify(record.answers)}; jobs ${JSON.stringify(jobs)}; ${t}\n`);

    expect(record.unexpected).toEqual([]);
    expect(idsByKey.size).toBe(COUNT);
    expect([...idsByKey.values()].filter((ids) => ids.size !== 1)).toEqual([]);
    expect(r.accepted).toBe(COUNT);
    expect(balanced(r)).toEqual(BALANCED);
    // One job per activity; a suppressed activity's completed job is removed from Redis at once.
    expect((jobs.completed ?? 0) + (jobs.failed ?? 0)).toBe(COUNT - r.suppressed);
    expect(await host.repos.contacts.count('default')).toBe(PERSONS);
    for (const [person, seq] of expectedSeqs(items)) {
      const c = await host.repos.contacts.findByEmail('default', personEmail(person));
      expect({ person, seq: c?.fields.seq?.value }).toEqual({ person, seq });
    }
    expect(findPii(host.logs(), loadIdentifiers(PERSONS))).toEqual([]);
  }, 100_000);
});
