import { hashApiKey } from '../../src/services/accounts.service';
import { signatureHeaderValue } from '../../src/services/webhook-signature';
import { activityJobCount, startTestApp, type TestApp } from '../support/app';
import { startTestRedis } from '../support/redis';

type Redis = Awaited<ReturnType<typeof startTestRedis>>;

let redis: Redis;
let app: TestApp;

beforeAll(async () => {
  redis = await startTestRedis();
  app = await startTestApp(redis.url, { BATCH_MAX: '10', BATCH_BODY_LIMIT: '16kb', BODY_LIMIT: '2kb' });
});

afterAll(async () => {
  await app?.stop();
  await redis?.cleanup();
});

const at = (minute: number) => new Date(Date.UTC(2026, 10, 2, 9, minute)).toISOString();

async function postBatch(target: TestApp, body: unknown, auth?: string) {
  const res = await target.request('/v1/activities/batch', { method: 'POST', json: body, ...(auth ? { auth } : {}) });
  return { res, body: (await res.json()) as Record<string, any> };
}


describe('POST /v1/activities/batch', () => {
  it('answers per item: valid ones queued in one go, invalid ones with their problem, duplicates as such', async () => {
    const single = await app.request('/v1/activities', {
      method: 'POST',
      json: { type: 'form.submitted', occurredAt: at(0), email: 'earlier@example.com' },
      headers: { 'Idempotency-Key': 'batch-seen-before' },
    });
    expect(single.status).toBe(202);

    const { res, body } = await postBatch(app, {
      activities: [
        { idempotencyKey: 'b-1', type: 'booking.created', occurredAt: at(1), email: ' Ada@Example.com ', fields: { company: 'Analytical' } },
        { type: 'booking.created', email: 'no-time@example.com' },
        { type: 'chat.completed', occurredAt: at(2), phone: '+1 415 555 0123', source: 'chat' },
        { idempotencyKey: 'b-1', type: 'booking.created', occurredAt: at(1), email: 'ada@example.com' },
        { idempotencyKey: 'batch-seen-before', type: 'form.submitted', occurredAt: at(0), email: 'earlier@example.com' },
        'not an object',
        { idempotencyKey: 'has spaces', type: 'x', occurredAt: at(3) },
        { type: 'x', occurredAt: at(3), unexpected: true },
      ],
    });
    expect(res.status).toBe(202);
    expect(body.summary).toEqual({ queued: 2, duplicate: 2, error: 4 });
    const r = body.results;
    expect(r.map((x: { index: number; status: string }) => [x.index, x.status])).toEqual([
      [0, 'queued'],
      [1, 'error'],
      [2, 'queued'],
      [3, 'duplicate'],
      [4, 'duplicate'],
      [5, 'error'],
      [6, 'error'],
      [7, 'error'],
    ]);
    expect(r[3].id).toBe(r[0].id);
    expect(r[1].problem).toEqual({
      type: '/problems/validation_failed',
      title: 'Bad Request',
      status: 400,
      detail: 'The activity is invalid',
      code: 'validation_failed',
      errors: [expect.objectContaining({ path: 'occurredAt' })],
    });
    expect(r[6].problem.errors).toEqual([expect.objectContaining({ path: 'idempotencyKey' })]);

    const ada = await app.settled(r[0].id);
    expect(ada.status).toBe('processed');
    const contact = await (await app.request(`/v1/contacts/${ada.contactId}`)).json();
    expect(contact).toMatchObject({ email: 'ada@example.com', fields: { company: { value: 'Analytical', source: 'api' } } });
    const phoneOnly = await app.settled(r[2].id);
    expect(phoneOnly.status).toBe('processed');
    // The key is transport, not payload: the recorded activity keeps the body as sent, minus the key.
    const stored = await app.repos.activities.findById(app.account, r[0].id);
    expect(stored!.payload).toEqual({ type: 'booking.created', occurredAt: at(1), email: ' Ada@Example.com ', fields: { company: 'Analytical' } });
  });

  it('a resent batch is all duplicates, and items without a key are keyed by their content', async () => {
    const batch = { activities: [{ type: 'page.form', occurredAt: at(5), email: 'same@example.com' }, { type: 'page.form', occurredAt: at(6), email: 'same@example.com' }] };
    const first = await postBatch(app, batch);
    expect(first.body.summary).toEqual({ queued: 2, duplicate: 0, error: 0 });
    const before = await activityJobCount(app);
    await app.settled(first.body.results[1].id);
    const recorded = await app.repos.activities.count(app.account);
    const again = await postBatch(app, batch);
    expect(again.body.summary).toEqual({ queued: 0, duplicate: 2, error: 0 });
    expect(again.body.results.map((x: { id: string }) => x.id)).toEqual(first.body.results.map((x: { id: string }) => x.id));
    expect(await activityJobCount(app)).toBe(before);
    expect(await app.repos.activities.count(app.account)).toBe(recorded);
  });

  it('refuses a batch over BATCH_MAX (413), a body over its own limit (413) and a body that is no batch (400)', async () => {
    const item = { type: 'x', occurredAt: at(7), email: 'x@example.com' };
    const tooMany = await postBatch(app, { activities: Array.from({ length: 11 }, () => item) });
    expect(tooMany.res.status).toBe(413);
    expect(tooMany.body).toMatchObject({ code: 'batch_too_large', status: 413 });

    const big = await postBatch(app, { activities: [{ ...item, fields: { notes: 'x'.repeat(17 * 1024) } }] });
    expect(big.res.status).toBe(413);
    expect(big.res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(big.body).toMatchObject({ code: 'payload_too_large' });

    // The batch limit is per route: the same 3 kB body is fine as a batch and too large as one activity.
    const mid = { ...item, fields: { notes: 'y'.repeat(3 * 1024) } };
    expect((await postBatch(app, { activities: [mid] })).res.status).toBe(202);
    const single = await app.request('/v1/activities', { method: 'POST', json: mid });
    expect(single.status).toBe(413);

    const notBatch = await postBatch(app, [item]);
    expect(notBatch.res.status).toBe(400);
    expect(notBatch.body).toMatchObject({ code: 'validation_failed', errors: [{ path: 'activities' }] });
    expect((await app.request('/v1/activities/batch', { method: 'POST', json: { activities: [] }, auth: null })).status).toBe(401);
  });
});

describe('per-account rate limit (Redis token bucket)', () => {
  const SECRET = 'whsec_rate_limit_test_0123456789';
  let limited: TestApp;
  const OTHER_KEY = 'other_key_0123456789abcdefghij';

  beforeAll(async () => {
    limited = await startTestApp(redis.url, { RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '4', WEBHOOK_SECRET: SECRET });
    await limited.repos.accounts.ensure({ id: 'other', name: 'other', defaultCountry: 'US', statuses: ['new'], defaultStatus: 'new', fieldDefinitions: [], createdAt: new Date() });
    await limited.repos.accounts.ensureApiKey({ hash: hashApiKey(OTHER_KEY), account: 'other', label: 'test', createdAt: new Date() });
  });

  afterAll(async () => {
    await limited?.stop();
  });

  it('charges one unit per activity across routes, answers 429 + Retry-After, and spares other accounts', async () => {
    const item = (n: number) => ({ type: 'x', occurredAt: at(10 + n), email: `rl${n}@example.com` });
    const batch = await postBatch(limited, { activities: [item(1), item(2), item(3)] });
    expect(batch.res.status).toBe(202);
    expect((await limited.request('/v1/activities', { method: 'POST', json: item(4) })).status).toBe(202);

    const before = await activityJobCount(limited);
    const refused = await limited.request('/v1/activities', { method: 'POST', json: item(5) });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await refused.json()).toMatchObject({ status: 429, code: 'rate_limited' });

    const refusedBatch = await postBatch(limited, { activities: [item(6)] });
    expect(refusedBatch.res.status).toBe(429);

    const body = Buffer.from(JSON.stringify({ event_id: 'rl-1', event_type: 'form_response' }));
    const hook = await fetch(`${limited.baseUrl}/v1/webhooks/routing-form?account=${limited.account}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'Contactflow-Signature': signatureHeaderValue(SECRET, Math.floor(Date.now() / 1000), body) },
      body,
    });
    expect(hook.status).toBe(429);
    expect(hook.headers.get('retry-after')).toBeTruthy();
    expect(await activityJobCount(limited)).toBe(before);

    // Another account has its own bucket.
    expect((await limited.request('/v1/activities', { method: 'POST', json: item(7), auth: OTHER_KEY })).status).toBe(202);
  });
});
