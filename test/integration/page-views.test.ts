import { contactViewSchema, enqueueResultSchema } from '../../src/api/api-schemas';
import { hashApiKey } from '../../src/services/accounts.service';
import { activityJobCount, forgetProcessed, startTestApp, type TestApp } from '../support/app';
import { startTestRedis } from '../support/redis';
import { waitFor } from '../support/wait';

/** POST /v1/page-views → worker → page view record, and stitching onto contacts (DESIGN rule 4). */
let redis: Awaited<ReturnType<typeof startTestRedis>>;
let app: TestApp;

beforeAll(async () => {
  redis = await startTestRedis();
  app = await startTestApp(redis.url);
});

afterAll(async () => {
  await app?.stop();
  await redis?.cleanup();
});

const at = (minute: number) => new Date(Date.UTC(2026, 10, 1, 12, minute)).toISOString();
const OTHER_KEY = 'other_pv_key_0123456789abcdefghij';

async function postView(body: unknown, init: { headers?: Record<string, string>; auth?: string } = {}) {
  const res = await app.request('/v1/page-views', { method: 'POST', json: body, ...init });
  return { res, body: (await res.json()) as { id: string; status: string } };
}

/** Waits until the page view's job is done, then returns the recorded view. */
async function recorded(id: string, account = app.account) {
  await waitFor(async () => ((await (await app.queue.getJob(id))?.getState()) === 'completed' ? true : undefined), { what: `page view job ${id}` });
  return waitFor(async () => (await app.repos.pageViews.findById(account, id)) ?? undefined, { what: `page view ${id}` });
}

async function contact(id: string) {
  return contactViewSchema.parse(await (await app.request(`/v1/contacts/${id}`)).json());
}


describe('page views and visitor stitching', () => {
  const visitor = 'vis_9f2c41';
  let first: string;
  let second: string;
  let contactId: string;

  it('records anonymous page views without putting them on any contact', async () => {
    const a = await postView({ visitorId: visitor, url: 'https://example.com/', title: 'Home', viewedAt: at(1) });
    expect(a.res.status).toBe(202);
    expect(enqueueResultSchema.parse(a.body)).toEqual({ id: expect.stringMatching(/^act_[0-9a-f]{32}$/), status: 'queued' });
    const b = await postView({ visitorId: visitor, url: 'https://example.com/pricing?plan=pro', referrer: 'https://example.com/', viewedAt: at(2) });
    expect(b.res.status).toBe(202);
    first = a.body.id;
    second = b.body.id;

    expect(await recorded(first)).toMatchObject({ visitorId: visitor, url: 'https://example.com/', title: 'Home', referrer: null, contactId: null });
    expect(await recorded(second)).toMatchObject({ title: null, referrer: 'https://example.com/', contactId: null });
    expect(await app.repos.contacts.findByVisitorId(app.account, visitor)).toBeNull();
  });

  it('an identified activity with the same visitorId brings the earlier views onto its contact', async () => {
    const res = await app.request('/v1/activities', {
      method: 'POST',
      json: { type: 'form.submitted', occurredAt: at(5), email: 'stitch@example.com', visitorId: visitor },
    });
    const settled = await app.settled(((await res.json()) as { id: string }).id);
    expect(settled.status).toBe('processed');
    contactId = settled.contactId!;

    // Stitching runs before the activity is final, so it is visible as soon as the activity is.
    const view = await contact(contactId);
    expect(view.visitorIds).toEqual([visitor]);
    expect(view.recentPageViews).toEqual([
      { id: second, url: 'https://example.com/pricing?plan=pro', title: null, viewedAt: at(2) },
      { id: first, url: 'https://example.com/', title: 'Home', viewedAt: at(1) },
    ]);
    expect((await app.repos.pageViews.findById(app.account, first))!.contactId).toBe(contactId);
    expect((await app.repos.pageViews.findById(app.account, second))!.contactId).toBe(contactId);
    expect(await app.repos.pageViews.listUnattached(app.account, visitor, 10)).toEqual([]);
  });

  it('a later view of that visitor attaches directly, newest first by viewedAt', async () => {
    const later = await postView({ visitorId: visitor, url: 'https://example.com/docs', title: 'Docs', viewedAt: at(9) });
    expect((await recorded(later.body.id)).contactId).toBe(contactId);
    const view = await contact(contactId);
    expect(view.recentPageViews.map((v) => v.id)).toEqual([later.body.id, second, first]);
  });

  it('replaying the same page view changes nothing', async () => {
    const body = { visitorId: visitor, url: 'https://example.com/', title: 'Home', viewedAt: at(1) };
    const before = await app.repos.contacts.findById(app.account, contactId);
    const count = await app.repos.pageViews.count(app.account);

    // The same body again: the same id, answered duplicate while Redis remembers the job.
    const again = await postView(body);
    expect(again.body).toEqual({ id: first, status: 'duplicate' });

    // After Redis forgot it, the job runs again and finds the view recorded.
    await forgetProcessed(app, first);
    const redelivered = await postView(body);
    expect(redelivered.body).toEqual({ id: first, status: 'queued' });
    expect((await recorded(first)).contactId).toBe(contactId);
    expect(await app.repos.contacts.findById(app.account, contactId)).toEqual(before);
    expect(await app.repos.pageViews.count(app.account)).toBe(count);

    // With an Idempotency-Key: a duplicate too, and never the id of an activity with that key.
    const keyed = await postView({ ...body, viewedAt: at(3) }, { headers: { 'idempotency-key': 'same-key' } });
    expect((await postView({ ...body, viewedAt: at(4) }, { headers: { 'idempotency-key': 'same-key' } })).body).toEqual({ id: keyed.body.id, status: 'duplicate' });
    const activity = await app.request('/v1/activities', { method: 'POST', json: { type: 'x', occurredAt: at(0) }, headers: { 'idempotency-key': 'same-key' } });
    expect(((await activity.json()) as { id: string }).id).not.toBe(keyed.body.id);
  });

  it('another account never sees them, and its views of the same visitor id stay its own', async () => {
    await app.repos.accounts.ensure({ id: 'other-pv', name: 'other', defaultCountry: 'US', statuses: ['new'], defaultStatus: 'new', fieldDefinitions: [], createdAt: new Date() });
    await app.repos.accounts.ensureApiKey({ hash: hashApiKey(OTHER_KEY), account: 'other-pv', label: 't', createdAt: new Date() });

    const before = await app.repos.contacts.findById(app.account, contactId);
    const theirs = await postView({ visitorId: visitor, url: 'https://other.example/', viewedAt: at(20) }, { auth: OTHER_KEY });
    expect(theirs.res.status).toBe(202);
    expect((await recorded(theirs.body.id, 'other-pv')).contactId).toBeNull();
    expect(await app.repos.pageViews.findById(app.account, theirs.body.id)).toBeNull();
    expect(await app.repos.contacts.findById(app.account, contactId)).toEqual(before);
    expect((await app.request(`/v1/contacts/${contactId}`, { auth: OTHER_KEY })).status).toBe(404);
    expect(await (await app.request('/v1/contacts?email=stitch@example.com', { auth: OTHER_KEY })).json()).toEqual({ data: [], nextCursor: null });
  });
});

describe('bad page views get a problem+json and enqueue nothing', () => {
  const ok = { visitorId: 'vis_1', url: 'https://example.com/', viewedAt: at(0) };
  const cases: [string, unknown, Record<string, string>, number, string][] = [
    ['missing visitorId', { url: ok.url, viewedAt: ok.viewedAt }, {}, 400, 'validation_failed'],
    ['empty visitorId', { ...ok, visitorId: '' }, {}, 400, 'validation_failed'],
    ['visitorId too long', { ...ok, visitorId: 'v'.repeat(201) }, {}, 400, 'validation_failed'],
    ['not an http(s) url', { ...ok, url: 'javascript:alert(1)' }, {}, 400, 'validation_failed'],
    ['ftp url', { ...ok, url: 'ftp://example.com/file' }, {}, 400, 'validation_failed'],
    ['url too long', { ...ok, url: `https://example.com/${'a'.repeat(2048)}` }, {}, 400, 'validation_failed'],
    ['viewedAt without offset', { ...ok, viewedAt: '2026-11-01T12:00:00' }, {}, 400, 'validation_failed'],
    ['missing viewedAt', { visitorId: ok.visitorId, url: ok.url }, {}, 400, 'validation_failed'],
    ['unknown key', { ...ok, email: 'x@example.com' }, {}, 400, 'validation_failed'],
    ['bad Idempotency-Key', ok, { 'idempotency-key': 'has space' }, 400, 'validation_failed'],
  ];

  it.each(cases)('%s', async (_name, body, headers, status, code) => {
    const before = await activityJobCount(app);
    const res = await app.request('/v1/page-views', { method: 'POST', json: body, headers });
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({ status, code, type: `/problems/${code}` });
    expect(await activityJobCount(app)).toBe(before);
  });

  it('lists the offending paths', async () => {
    const res = await app.request('/v1/page-views', { method: 'POST', json: { url: 'nope', viewedAt: 'yesterday' } });
    const problem = (await res.json()) as { errors: { path: string }[] };
    expect(problem.errors.map((e) => e.path).sort()).toEqual(['url', 'viewedAt', 'visitorId']);
  });

  it('401 without an API key', async () => {
    const before = await activityJobCount(app);
    const res = await app.request('/v1/page-views', { method: 'POST', auth: null, json: ok });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({ status: 401, code: 'unauthorized' });
    expect(await activityJobCount(app)).toBe(before);
  });
});
