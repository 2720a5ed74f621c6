import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { TEST_API_KEY } from '../support/app';
import { deliver, expectedSeqs, loadIdentifiers, loadItem, LoadRecord, personEmail, suppressPerson, type LoadItem } from '../support/fault-load';
import { findPii } from '../support/pii';
import { drained, openQueue } from '../support/queue';
import { BALANCED, balanced, reconcile } from '../support/reconcile';
import { startTestRedis } from '../support/redis';
import { hostStore, SHARED_WEBHOOK_SECRET, type StoreHost } from '../support/shared-store';
import { waitFor } from '../support/wait';

/**
 * The store unreachable for a while under load, with worker processes (test/support/shared-store.ts):
 * every store call of every process fails as a lost MongoDB connection does (TransientStoreError)
 * for 6 s. With JOB_ATTEMPTS=1, an outage that spent attempts would fail jobs; instead the queue
 * pauses, intake keeps answering 202 (it needs no store), and every job completes afterwards.
 */
const PERSONS = 40;
/** At least this many activities; more while the outage lasts. */
const COUNT = 600;

let redis: Awaited<ReturnType<typeof startTestRedis>>;
let host: StoreHost;
let q: ReturnType<typeof openQueue>;
const record = new LoadRecord();
let answersDuring: Record<string, number> = {};

beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await host?.stopAll();
  await q?.close();
  await redis?.cleanup();
});

describe('the store unreachable under load', () => {
  it('jobs pause and then complete; none fails for it, the run reconciles exactly', async () => {
    const prefix = `{so${randomBytes(4).toString('hex')}}`;
    host = hostStore({ REDIS_URL: redis.url, REDIS_PREFIX: prefix, WORKER_CONCURRENCY: '8', JOB_ATTEMPTS: '1', JOB_BACKOFF_MS: '200' });
    q = openQueue(redis.url, prefix);
    const api = await host.start('api');
    const workers = [await host.start('worker')];
    await suppressPerson(api.baseUrl, TEST_API_KEY);

    // Clients keep sending until the outage is over and at least COUNT went out, so intake traffic
    // spans the whole outage however fast the machine is.
    const items: LoadItem[] = [];
    let outageOver = false;
    const load = Promise.all(
      Array.from({ length: 6 }, async () => {
        while (!outageOver || items.length < COUNT) {
          const item = loadItem(items.length, { persons: PERSONS, apiKey: TEST_API_KEY, webhookSecret: SHARED_WEBHOOK_SECRET, namespace: 'outage' });
          items.push(item);
          // Retries 500s too, as most clients do: see the second test for why that matters here.
          await deliver([api.baseUrl], item, record, { retryOn: [500, 503, 429] });
          await sleep(25);
        }
      }),
    );

    await waitFor(async () => ((await host.repos.activities.count('default')) > 100 ? true : undefined), { timeoutMs: 30_000, what: 'some processed activities' });
    host.faults.down = true;
    record.markDown();
    const acceptedBefore = record.accepted.size;
    const readyDuring = await fetch(`${workers[0]!.baseUrl}/readyz`);
    // Longer than the API-key cache's 5 s, so the intake's key look-up meets the outage (second test).
    await sleep(6000);
    const counts = await q.queue.getJobCounts('waiting', 'prioritized');
    const waitingAtEnd = (counts.waiting ?? 0) + (counts.prioritized ?? 0);
    const acceptedDuring = record.accepted.size - acceptedBefore;
    host.faults.down = false;
    outageOver = true;
    record.markUp();
    answersDuring = { ...record.answers };
    await load;
    await drained(q.queue);

    const r = await reconcile({ baseUrl: api.baseUrl, apiKey: TEST_API_KEY, accepted: record.accepted, queue: q.queue, store: { repos: host.repos, account: 'default' }, label: 'store outage 6 s' });
    process.stdout.write(`store outage: ${host.faults.failedCalls} store calls refused; ${acceptedDuring} accepted during the outage; ${waitingAtEnd} waiting at its end; answers ${JSON.stringify(record.answers)}\n`);

    expect(readyDuring.status).toBe(503);
    expect(host.faults.failedCalls).toBeGreaterThan(0);
    expect(acceptedDuring).toBeGreaterThan(0); // intake does not need the store
    expect(record.unexpected).toEqual([]);
    expect(Object.keys(record.answers).filter((s) => !['202', '500', '503', '429'].includes(s))).toEqual([]);
    expect(r.accepted).toBe(items.length);
    expect(waitingAtEnd).toBeGreaterThan(0); // the queue paused
    expect(balanced(r)).toEqual(BALANCED);
    // Only the unreadable webhooks failed: nothing failed because of the outage.
    expect(r.failedVisible).toBe(items.filter((i) => i.kind === 'failing').length);
    expect(await host.repos.contacts.count('default')).toBe(PERSONS);
    for (const [person, seq] of expectedSeqs(items)) {
      const c = await host.repos.contacts.findByEmail('default', personEmail(person));
      expect({ person, seq: c?.fields.seq?.value }).toEqual({ person, seq });
    }
    expect(findPii(host.logs(), loadIdentifiers(PERSONS))).toEqual([]);
  }, 100_000);

  // The API-key cache (SETTINGS_CACHE_TTL_MS) goes to the store when an entry expires; during the
  // outage that look-up fails, and the answer must be one a client retries, never a 500.
  it('intake answers 202 or 503 + Retry-After during the store outage, never 500', () => {
    expect(answersDuring['500'] ?? 0).toBe(0);
    expect(answersDuring['503 without Retry-After'] ?? 0).toBe(0);
    expect(answersDuring['503'] ?? 0).toBeGreaterThan(0); // the outage did reach the intake
  });
});
