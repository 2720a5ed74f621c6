import { startTestApp, type TestApp } from '../support/app';
import { startTestRedis } from '../support/redis';
import { waitFor } from '../support/wait';

type Redis = Awaited<ReturnType<typeof startTestRedis>>;

const ADMIN_PASSWORD = 'noisy-tenant-admin-password-0123';
const ADMIN = `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`;
const MAX_QUEUE_DEPTH = 200;

let redis: Redis;
let app: TestApp;
let quietKey: string;

beforeAll(async () => {
  redis = await startTestRedis();
  // Each account may hold half the depth; the worker is held so that jobs stay waiting.
  app = await startTestApp(redis.url, { ADMIN_PASSWORD, MAX_QUEUE_DEPTH: String(MAX_QUEUE_DEPTH), ACCOUNT_QUEUE_SHARE: '0.5', RATE_LIMIT_BURST: '100000', RATE_LIMIT_PER_SECOND: '100000' });
  await app.worker!.pause();
  const admin = (path: string, json: unknown) => fetch(app.baseUrl + path, { method: 'POST', headers: { authorization: ADMIN, 'content-type': 'application/json' }, body: JSON.stringify(json) });
  expect((await admin('/admin/accounts', { id: 'quiet-co', name: 'Quiet Co' })).status).toBe(201);
  quietKey = (await (await admin('/admin/accounts/quiet-co/api-keys', { label: 'quiet' })).json()).key;
});

afterAll(async () => {
  await app?.stop();
  await redis?.cleanup();
});

const activity = (who: string, i: number) => ({ type: 'page.form', occurredAt: '2026-11-02T09:00:00Z', email: `${who}-${i}@tenants.example` });

describe('a noisy tenant', () => {
  it('floods until its share of the queue is full; the quiet account beside it is still accepted, and both drain once workers run', async () => {
    const noisy: number[] = [];
    for (let i = 0; i < 240; i += 20) {
      // 240: without a per-account share the noisy account alone would fill the whole queue (200).
      const answers = await Promise.all(Array.from({ length: 20 }, (_, j) => app.request('/v1/activities', { method: 'POST', json: activity('noisy', i + j) })));
      noisy.push(...answers.map((r) => r.status));
      await new Promise((r) => setTimeout(r, 300)); // past the 250 ms the depth reading is trusted
    }
    const accepted = noisy.filter((s) => s === 202).length;
    // Its share is 100; the depth is read at most every 250 ms, so one wave of 20 may slip past it.
    expect(accepted).toBeGreaterThanOrEqual(100);
    expect(accepted).toBeLessThanOrEqual(120);
    expect(noisy.filter((s) => s !== 202).every((s) => s === 503)).toBe(true);

    const quiet = await Promise.all(Array.from({ length: 30 }, (_, i) => app.request('/v1/activities', { method: 'POST', auth: quietKey, json: activity('quiet', i) })));
    expect(quiet.map((r) => r.status)).toEqual(Array(30).fill(202));

    // A batch for the noisy account is refused whole while it is full; the quiet account's is taken.
    const batch = (auth: string | undefined) => app.request('/v1/activities/batch', { method: 'POST', auth, json: { activities: [activity('b', 1), activity('b', 2)] } });
    expect((await batch(undefined)).status).toBe(503);
    expect((await batch(quietKey)).status).toBe(202);

    // Once the workers run, the backlog drains, in fair order: the quiet account's activities are
    // taken in turn with the noisy one's, not after its whole backlog (first come, first served).
    const order: string[] = [];
    app.worker!.on('completed', (job) => order.push(job.data.account));
    await app.worker!.resume();
    await waitFor(async () => ((await app.queue.getJobCountByTypes('waiting', 'prioritized', 'active')) === 0 ? true : undefined), { timeoutMs: 60_000, what: 'the backlog to drain' });
    const quietDone = order.lastIndexOf('quiet-co') + 1;
    const noisyBeforeQuietDone = order.slice(0, quietDone).filter((a) => a !== 'quiet-co').length;
    const noisyTotal = order.filter((a) => a !== 'quiet-co').length;
    console.log(`noisy tenant: the quiet account's ${order.length - noisyTotal} activities were done after ${noisyBeforeQuietDone} of the noisy account's ${noisyTotal}`);
    expect(noisyBeforeQuietDone).toBeLessThan(noisyTotal * 0.6);
    const after = await waitFor(async () => {
      const res = await app.request('/v1/activities', { method: 'POST', json: activity('noisy-again', 1) });
      return res.status === 202 ? res.status : undefined;
    }, { what: 'the noisy account to be accepted again' });
    expect(after).toBe(202);
  });
});
