import { randomBytes } from 'node:crypto';
import { eraseResultSchema } from '../../src/api/api-schemas';
import { PROCESS_ACTIVITY, type ActivityJobData } from '../../src/jobs/activities.queue';
import { hashApiKey } from '../../src/services/accounts.service';
import { startTestApp, type TestApp } from '../support/app';
import { startTestRedis } from '../support/redis';
import { waitFor } from '../support/wait';

/** POST /v1/contacts/{id}/erase (GDPR, DESIGN identity rule 8) over real HTTP, Redis and worker. */
let redis: Awaited<ReturnType<typeof startTestRedis>>;
let app: TestApp;

const OTHER = 'other_erase';
const OTHER_KEY = 'other_erase_key_0123456789abcdefgh';

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

const at = (minute: number) => new Date(Date.UTC(2026, 10, 3, 9, minute)).toISOString();

async function post(path: string, body: unknown, auth?: string) {
  const res = await app.request(path, { method: 'POST', json: body, ...(auth ? { auth } : {}) });
  return { res, body: (await res.json()) as Record<string, any> };
}

/** Posts an activity and waits until the worker recorded it. */
async function activity(body: Record<string, unknown>, auth?: string) {
  const { res, body: accepted } = await post('/v1/activities', { type: 'form.submitted', ...body }, auth);
  expect(res.status).toBe(202);
  return (auth ? waitForRecord(accepted.id, OTHER) : app.settled(accepted.id)).then((r) => ({ ...r, id: accepted.id as string }));
}

async function waitForRecord(id: string, account: string) {
  return waitFor(async () => {
    const r = await app.repos.activities.findById(account, id);
    return r && r.outcome !== 'pending' ? { status: r.outcome, contactId: r.contactId, warnings: r.warnings } : undefined;
  });
}

async function pageView(visitorId: string, minute: number): Promise<string> {
  const { res, body } = await post('/v1/page-views', { visitorId, url: `https://example.com/p${minute}`, viewedAt: at(minute) });
  expect(res.status).toBe(202);
  await waitFor(async () => ((await (await app.queue.getJob(body.id))?.getState()) === 'completed' ? true : undefined), { what: `page view ${body.id}` });
  return body.id;
}

/** A job that waits (delayed) in Redis with this payload, as one accepted but not yet processed. */
async function queuedJob(account: string, payload: Record<string, unknown>): Promise<string> {
  const id = `act_${randomBytes(16).toString('hex')}`;
  const data: ActivityJobData = { kind: 'activity', account, activityId: id, receivedAt: new Date().toISOString(), payload: { type: 'form.submitted', occurredAt: at(50), ...payload } };
  await app.queue.add(PROCESS_ACTIVITY, app.sealer.seal(data), { jobId: id, delay: 10 * 60_000 });
  return id;
}

const erase = (contactId: string, body: unknown = { suppress: false }, auth?: string) => post(`/v1/contacts/${contactId}/erase`, body, auth);

describe('POST /v1/contacts/{id}/erase', () => {
  it('removes the contact, its activities, page views and their jobs from the store and Redis, and counts them', async () => {
    const first = await pageView('v_erase', 1);
    const a1 = await activity({ occurredAt: at(2), email: 'ada@example.com', phone: '+1 415 555 2671', visitorId: 'v_erase', fields: { company: 'Analytical' } });
    expect(a1.status).toBe('processed');
    const contactId = a1.contactId!;
    const a2 = await activity({ occurredAt: at(3), email: 'ADA@example.com', fields: { plan: 'pro' } });
    expect(a2.contactId).toBe(contactId);
    const later = await pageView('v_erase', 4);
    expect((await app.repos.pageViews.findById(app.account, later))!.contactId).toBe(contactId);
    // A view of the contact's visitor that no contact holds yet (stitching is bounded per run).
    const loose = `act_${randomBytes(16).toString('hex')}`;
    await app.repos.pageViews.insert({ id: loose, account: app.account, visitorId: 'v_erase', url: 'https://example.com/x', title: null, referrer: null, viewedAt: new Date(at(5)), receivedAt: new Date(), contactId: null });
    // Accepted, not processed yet: only their payloads know the person.
    const waitingByEmail = await queuedJob(app.account, { email: ' Ada@Example.com ' });
    const waitingByPhone = await queuedJob(app.account, { phone: '(415) 555-2671' });
    const someoneElse = await queuedJob(app.account, { email: 'grace@example.com' });
    const otherAccount = await queuedJob(OTHER, { email: 'ada@example.com' });

    const { res, body } = await erase(contactId);
    expect(res.status).toBe(200);
    expect(eraseResultSchema.parse(body)).toEqual({
      contact: 1,
      activities: 2,
      pageViews: 3,
      // 2 activities + 2 page views (completed) + 2 waiting jobs that carry the person.
      jobs: 6,
      suppressed: false,
      queueScanComplete: true,
    });

    for (const id of [a1.id, a2.id, first, later, waitingByEmail, waitingByPhone]) expect(await app.queue.getJob(id)).toBeUndefined();
    expect(await app.queue.getJob(someoneElse)).toBeDefined();
    expect(await app.queue.getJob(otherAccount)).toBeDefined();
    expect(await app.repos.contacts.findById(app.account, contactId)).toBeNull();
    expect(await app.repos.contacts.findByEmail(app.account, 'ada@example.com')).toBeNull();
    for (const id of [a1.id, a2.id]) expect(await app.repos.activities.findById(app.account, id)).toBeNull();
    for (const id of [first, later, loose]) expect(await app.repos.pageViews.findById(app.account, id)).toBeNull();
    expect((await app.request(`/v1/contacts/${contactId}`)).status).toBe(404);
    expect((await app.request(`/v1/activities/${a1.id}`)).status).toBe(404);
    expect(await app.repos.suppressions.count(app.account)).toBe(0);

    // A second erase finds nothing.
    expect((await erase(contactId)).res.status).toBe(404);

    // Without suppression the person may come back: a later activity creates a new contact.
    const again = await activity({ occurredAt: at(6), email: 'ada@example.com' });
    expect(again.status).toBe('processed');
    expect(again.contactId).not.toBe(contactId);
  });

  it('with suppress, later activities carrying the email or the phone are recorded suppressed, without PII, and create no contact', async () => {
    const a = await activity({ occurredAt: at(10), email: 'grace@hopper.example', phone: '+44 20 7946 0018', fields: { firstName: 'Grace' } });
    const { res, body } = await erase(a.contactId!, { suppress: true });
    expect(res.status).toBe(200);
    expect(body).toMatchObject({ contact: 1, activities: 1, suppressed: true });
    expect(await app.repos.suppressions.count(app.account)).toBe(2);

    const byEmail = await activity({ occurredAt: at(11), email: ' GRACE@hopper.example', fields: { firstName: 'Grace', company: 'Navy' }, visitorId: 'v_grace' });
    expect(byEmail).toMatchObject({ status: 'suppressed', contactId: null, warnings: [] });
    const byPhone = await activity({ occurredAt: at(12), phone: '+442079460018', country: 'GB' });
    expect(byPhone.status).toBe('suppressed');
    expect(await app.repos.contacts.findByEmail(app.account, 'grace@hopper.example')).toBeNull();
    expect(await app.repos.contacts.findByPhone(app.account, '+442079460018', 5)).toEqual([]);

    for (const id of [byEmail.id, byPhone.id]) {
      const record = await app.repos.activities.findById(app.account, id);
      expect(record).toMatchObject({ outcome: 'suppressed', email: null, phone: null, visitorId: null, fields: {}, contactId: null });
      expect(record!.payload).toBeUndefined();
      // Nor does Redis keep the raw payload: the completed job of a suppressed activity is removed.
      await waitFor(async () => ((await app.queue.getJob(id)) === undefined ? true : undefined), { what: `job ${id} removed` });
      expect(await (await app.request(`/v1/activities/${id}`)).json()).toEqual({ id, status: 'suppressed', contactId: null, warnings: [] });
    }

    // Suppression is per account: the other account's Grace is a contact as usual.
    const elsewhere = await activity({ occurredAt: at(13), email: 'grace@hopper.example' }, OTHER_KEY);
    expect(elsewhere.status).toBe('processed');
  });

  it('another account cannot erase (404, nothing changes); bad ids, bodies and media types are refused', async () => {
    const a = await activity({ occurredAt: at(20), email: 'kept@example.com' });
    const contactId = a.contactId!;
    const foreign = await erase(contactId, { suppress: true }, OTHER_KEY);
    expect(foreign.res.status).toBe(404);
    expect(foreign.body).toMatchObject({ code: 'not_found' });
    expect(await app.repos.contacts.findById(app.account, contactId)).not.toBeNull();
    expect(await app.queue.getJob(a.id)).toBeDefined();
    expect(await app.repos.suppressions.count(OTHER)).toBe(0);

    expect((await erase('ct_' + '0'.repeat(28))).res.status).toBe(404);
    expect((await erase('not-a-contact')).body).toMatchObject({ code: 'validation_failed', errors: [{ path: 'id' }] });
    for (const bad of [{}, { suppress: 'yes' }, { suppress: true, extra: 1 }, []]) {
      const r = await erase(contactId, bad);
      expect(r.res.status).toBe(400);
      expect(r.body.code).toBe('validation_failed');
    }
    const text = await app.request(`/v1/contacts/${contactId}/erase`, { method: 'POST', body: 'suppress=true', headers: { 'content-type': 'text/plain' } });
    expect(text.status).toBe(415);
    expect((await app.request(`/v1/contacts/${contactId}/erase`, { method: 'POST', json: { suppress: false }, auth: null })).status).toBe(401);
    expect(await app.repos.contacts.findById(app.account, contactId)).not.toBeNull();
  });
});
