import { randomBytes } from 'node:crypto';
import type { Job } from 'bullmq';
import { createMemoryRepositories } from '../../src/repositories/memory';
import type { Repositories } from '../../src/repositories';
import { startTestApp, TEST_API_KEY, type TestApp } from '../support/app';
import { withFaults } from '../support/faulty-repositories';
import { startTestRedis } from '../support/redis';
import { waitFor } from '../support/wait';
import { makeWorkload, pool, postActivity } from '../support/workload';

/**
 * The promise that makes contactflow trustworthy: whatever the number of workers, retries,
 * duplicate deliveries, stalls or store outages, every accepted activity is recorded exactly once
 * and every email maps to exactly one contact. These in-process variants share one in-memory store
 * between several real BullMQ workers on a real Redis; the multi-process variants need MongoDB
 * (test/integration/exactly-once.mongo.test.ts).
 */
type Redis = Awaited<ReturnType<typeof startTestRedis>>;
let redis: Redis;
const running: TestApp[] = [];

beforeAll(async () => {
  redis = await startTestRedis();
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((a) => a.stop()));
});
afterAll(async () => {
  await redis?.cleanup();
});

/** One API+worker instance and `extraWorkers` worker-only instances on one queue and one store. */
async function startCluster(repos: Repositories, extraWorkers: number, env: Record<string, string> = {}) {
  const prefix = `{x${randomBytes(4).toString('hex')}}`;
  const common = { REDIS_PREFIX: prefix, WORKER_CONCURRENCY: '8', JOB_BACKOFF_MS: '50', JOB_ATTEMPTS: '20', ...env };
  const api = await startTestApp(redis.url, common, { repos });
  running.push(api);
  const workers: TestApp[] = [];
  for (let i = 0; i < extraWorkers; i++) {
    const w = await startTestApp(redis.url, { ...common, ROLE: 'worker' }, { repos });
    running.push(w);
    workers.push(w);
  }
  return { api, workers };
}

async function drained(app: TestApp) {
  await waitFor(
    async () => {
      const c = await app.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      return (c.waiting ?? 0) + (c.active ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0) === 0 ? true : undefined;
    },
    { timeoutMs: 60_000, what: 'the queue to drain' },
  );
}

/** Final-state checks shared by every scenario. */
async function expectExactState(repos: Repositories, account: string, workload: ReturnType<typeof makeWorkload>) {
  expect(await repos.contacts.count(account)).toBe(workload.emails);
  expect(await repos.activities.count(account)).toBe(workload.distinctKeys);
  for (let p = 0; p < workload.emails; p++) {
    const contact = await repos.contacts.findByEmail(account, `person${p}@example.com`);
    expect(contact).not.toBeNull();
    expect(contact!.fields.seq!.value).toBe(workload.expectedSeq(p));
    const ids = contact!.recentActivities.map((a) => a.activityId);
    expect(new Set(ids).size).toBe(ids.length);
  }
}

async function snapshot(repos: Repositories, account: string) {
  const all = [];
  let cursor: string | undefined;
  do {
    const page = await repos.contacts.list(account, { limit: 200, cursor });
    all.push(...page.data);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return all.map(({ updatedAt: _u, ...rest }) => rest);
}

describe('exactly once', () => {
  it('3 workers × 1,000 activities over 100 emails with 200 duplicate deliveries: 100 contacts, 1,000 activities', async () => {
    const repos = createMemoryRepositories();
    const { api } = await startCluster(repos, 2);
    const workload = makeWorkload({ count: 1000, emails: 100, duplicates: 200 });

    const answers: Record<string, number> = {};
    await pool(workload.items, 16, async (item) => {
      const r = await postActivity(api.baseUrl, TEST_API_KEY, item);
      answers[r.status] = (answers[r.status] ?? 0) + 1;
    });
    expect(answers.queued! + answers.duplicate!).toBe(1200);
    // Racing identical requests may both hear "queued" (BullMQ still keeps one job), so ≥ not =.
    expect(answers.queued).toBeGreaterThanOrEqual(1000);

    await drained(api);
    const failed = await api.queue.getJobCounts('failed');
    expect(failed.failed).toBe(0);
    await expectExactState(repos, api.account, workload);
  }, 120_000);

  it('replaying every completed job changes nothing', async () => {
    const repos = createMemoryRepositories();
    const { api, workers } = await startCluster(repos, 1);
    const workload = makeWorkload({ count: 300, emails: 30, duplicates: 0 });
    await pool(workload.items, 16, async (item) => void (await postActivity(api.baseUrl, TEST_API_KEY, item)));
    await drained(api);
    const before = await snapshot(repos, api.account);

    // One completed activities job per activity: Bull Board's "retry" re-runs each.
    const completed: Job[] = await api.queue.getJobs(['completed'], 0, -1);
    const replayed = completed.length;
    expect(replayed).toBe(300);
    const resolutions: string[] = [];
    const observer = await startTestApp(
      redis.url,
      { REDIS_PREFIX: api.config.REDIS_PREFIX, ROLE: 'worker' },
      { repos, onProcessed: (r) => void resolutions.push(r.resolution) },
    );
    running.push(observer);
    // The observer runs every replay: the cluster's workers stand aside.
    await Promise.all([api, ...workers].map((app) => app.worker!.pause()));
    await Promise.all(completed.map((j) => j.retry('completed')));
    await waitFor(async () => (resolutions.length >= replayed ? true : undefined), { timeoutMs: 30_000, what: `${replayed} replayed activities` });
    await drained(api);

    expect(await snapshot(repos, api.account)).toEqual(before);
    await expectExactState(repos, api.account, workload);
    // Whichever worker ran them, none of the replays wrote anything.
    expect(resolutions).toEqual(Array(replayed).fill('replay'));
  }, 60_000);

  it('a worker that dies in the middle of a job (its claim insert never returns) loses and duplicates nothing', async () => {
    const { repos, faults } = withFaults(createMemoryRepositories());
    // Short locks so the stalled job is noticed within the test's time.
    const fast = { WORKER_LOCK_MS: '1000', WORKER_STALLED_INTERVAL_MS: '500' };
    const { api, workers } = await startCluster(repos, 1, fast);
    const [doomed] = workers;
    // Only the doomed instance runs jobs at first: the API instance's worker pauses.
    await api.worker!.pause();
    faults.hangNext = { repo: 'activities', method: 'insert' };

    const workload = makeWorkload({ count: 200, emails: 20, duplicates: 40 });
    await pool(workload.items, 8, async (item) => void (await postActivity(api.baseUrl, TEST_API_KEY, item)));
    await waitFor(async () => (faults.hangNext?.hung ? true : undefined), { what: 'a job to hang mid-way' });

    // "SIGKILL": the worker stops without finishing or releasing its job.
    await doomed!.worker!.close(true);
    api.worker!.resume();

    await drained(api);
    expect((await api.queue.getJobCounts('failed')).failed).toBe(0);
    await expectExactState(repos, api.account, workload);
  }, 60_000);

  it('with the store down mid-run, the queue pauses and every job completes exactly once after it returns, using no attempts', async () => {
    const { repos, faults } = withFaults(createMemoryRepositories());
    // One attempt per job: an outage that consumed attempts would fail jobs here.
    const { api } = await startCluster(repos, 1, { JOB_ATTEMPTS: '1' });
    const workload = makeWorkload({ count: 300, emails: 30, duplicates: 30 });

    const posting = pool(workload.items, 8, async (item) => void (await postActivity(api.baseUrl, TEST_API_KEY, item)));
    await waitFor(async () => ((await repos.activities.count(api.account)) > 20 ? true : undefined), { what: 'some processed activities' });
    faults.down = true;
    const ready = await api.request('/readyz', { auth: null });
    expect(ready.status).toBe(503);
    await new Promise((r) => setTimeout(r, 1500));
    faults.down = false;
    await posting;

    await drained(api);
    expect(faults.failedCalls).toBeGreaterThan(0);
    expect((await api.queue.getJobCounts('failed')).failed).toBe(0);
    await expectExactState(repos, api.account, workload);
  }, 60_000);
});
