import { randomBytes } from 'node:crypto';
import { activityListPageSchema } from '../../src/api/api-schemas';
import { PROCESS_ACTIVITY, type ActivityJobData } from '../../src/jobs/activities.queue';
import { hashApiKey } from '../../src/services/accounts.service';
import { startTestApp, type TestApp } from '../support/app';
import { startTestRedis } from '../support/redis';
import { waitFor } from '../support/wait';

/** GET /v1/activities?outcome=unidentified|failed: account-scoped, counted, paged, without PII. */
let redis: Awaited<ReturnType<typeof startTestRedis>>;
let app: TestApp;

const OTHER = 'other_list';
const OTHER_KEY = 'other_list_key_0123456789abcdefghi';

beforeAll(async () => {
  redis = await startTestRedis();
  app = await startTestApp(redis.url);
  await app.repos.accounts.ensure({ id: OTHER, name: OTHER, defaultCountry: 'US', statuses: ['new'], defaultStatus: 'new', fieldDefinitions: [], createdAt: new Date() });
  await app.repos.accounts.ensureApiKey({ hash: hashApiKey(OTHER_KEY), account: OTHER, label: 'test', createdAt: new Date() });
});

afterAll(async () => {
  await app?.stop();
  await redis?.cleanup();
});

const at = (minute: number) => new Date(Date.UTC(2026, 10, 4, 9, minute)).toISOString();

async function list(query: string, auth?: string) {
  const res = await app.request(`/v1/activities?${query}`, auth ? { auth } : {});
  const body = (await res.json()) as Record<string, any>;
  return { res, body, text: JSON.stringify(body) };
}

async function accepted(body: Record<string, unknown>): Promise<string> {
  const res = await app.request('/v1/activities', { method: 'POST', json: { type: 'form.submitted', ...body } });
  expect(res.status).toBe(202);
  return ((await res.json()) as { id: string }).id;
}

/** A job whose payload the worker refuses (no occurredAt): it fails at once, as a mapping bug would. */
async function failing(account: string, email: string): Promise<string> {
  const id = `act_${randomBytes(16).toString('hex')}`;
  const data: ActivityJobData = { kind: 'activity', account, activityId: id, receivedAt: new Date().toISOString(), payload: { type: 'broken.event', email } };
  await app.queue.add(PROCESS_ACTIVITY, app.sealer.seal(data), { jobId: id });
  await waitFor(async () => ((await (await app.queue.getJob(id))?.getState()) === 'failed' ? true : undefined), { what: `job ${id} to fail` });
  return id;
}

describe('GET /v1/activities?outcome=unidentified', () => {
  it('lists the account’s unidentified activities by id with a count and a cursor, masked, never another account’s', async () => {
    const ids: string[] = [];
    for (const [i, email] of ['nope', 'still nope', 'ada@'].entries()) ids.push(await accepted({ occurredAt: at(i), email }));
    for (const id of ids) expect((await app.settled(id)).status).toBe('unidentified');
    const identified = await accepted({ occurredAt: at(5), email: 'ada@example.com' });
    expect((await app.settled(identified)).status).toBe('processed');

    const first = await list('outcome=unidentified&limit=2');
    expect(first.res.status).toBe(200);
    const page = activityListPageSchema.parse(first.body);
    expect(page).toMatchObject({ outcome: 'unidentified', count: 3, complete: true });
    const sorted = [...ids].sort();
    expect(page.data.map((a) => a.id)).toEqual(sorted.slice(0, 2));
    expect(page.data[0]).toEqual({
      id: sorted[0],
      type: 'form.submitted',
      source: 'api',
      provider: null,
      occurredAt: expect.any(String),
      receivedAt: expect.any(String),
      warnings: ['email_invalid'],
    });
    const second = await list(`outcome=unidentified&limit=2&cursor=${page.nextCursor}`);
    expect(second.body).toMatchObject({ count: 3, nextCursor: null, data: [{ id: sorted[2] }] });
    expect(first.text + second.text).not.toMatch(/nope|ada@/);

    const range = await list(`outcome=unidentified&since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`);
    expect(range.body).toMatchObject({ count: 0, data: [], nextCursor: null });
    expect((await list('outcome=unidentified', OTHER_KEY)).body).toMatchObject({ count: 0, data: [] });
  });
});

describe('GET /v1/activities?outcome=failed', () => {
  it('lists the account’s failed jobs, newest failure first, with a count and a cursor, reasons masked, never another account’s', async () => {
    const since = new Date().toISOString();
    const mine = [await failing(app.account, 'fail1@example.com'), await failing(app.account, 'fail2@example.com')];
    const theirs = await failing(OTHER, 'other@example.com');

    const first = await list('outcome=failed&limit=1');
    expect(first.res.status).toBe(200);
    const page = activityListPageSchema.parse(first.body);
    expect(page).toMatchObject({ outcome: 'failed', count: 2, complete: true });
    expect(page.data).toEqual([
      {
        id: mine[1],
        kind: 'activity',
        provider: null,
        type: 'broken.event',
        receivedAt: expect.any(String),
        failedAt: expect.any(String),
        attempts: 1,
        reason: expect.stringMatching(/^invalid_payload: /),
      },
    ]);
    const second = await list(`outcome=failed&limit=1&cursor=${page.nextCursor}`);
    expect(second.body).toMatchObject({ count: 2, nextCursor: null, data: [{ id: mine[0] }] });
    expect(first.text + second.text).not.toMatch(/@example\.com/);

    const other = await list('outcome=failed', OTHER_KEY);
    expect(other.body).toMatchObject({ count: 1, data: [{ id: theirs }] });
    const before = await list(`outcome=failed&until=${encodeURIComponent(since)}`);
    expect(before.body).toMatchObject({ count: 0, data: [] });
    const after = await list(`outcome=failed&since=${encodeURIComponent(since)}`);
    expect(after.body.count).toBe(2);
  });

  it('refuses a missing or unknown outcome, a foreign cursor, an inverted range and injected operators (400), and anonymous callers (401)', async () => {
    for (const query of [
      '',
      'outcome=processed',
      'outcome=failed&cursor=nonsense',
      'outcome=unidentified&cursor=123.act_00000000000000000000000000000000',
      `outcome=failed&since=${encodeURIComponent(at(10))}&until=${encodeURIComponent(at(5))}`,
      'outcome[$ne]=x',
      'outcome=failed&limit=0',
    ]) {
      const r = await list(query);
      expect([query, r.res.status, r.body.code]).toEqual([query, 400, 'validation_failed']);
    }
    expect((await app.request('/v1/activities?outcome=failed', { auth: null })).status).toBe(401);
  });
});
