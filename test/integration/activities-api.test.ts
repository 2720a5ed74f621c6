import { hashApiKey } from '../../src/services/accounts.service';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { activityJobCount, startTestApp, TEST_API_KEY, type TestApp } from '../support/app';
import { startTestRedis } from '../support/redis';
import { waitFor } from '../support/wait';

type Redis = Awaited<ReturnType<typeof startTestRedis>>;

let redis: Redis;
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


async function post(body: unknown, headers: Record<string, string> = {}) {
  const res = await app.request('/v1/activities', { method: 'POST', json: body, headers });
  return { res, body: (await res.json()) as { id: string; status: string } };
}

describe('POST /v1/activities → worker → contact', () => {
  it('creates a contact with a normalized email and phone and its captured fields', async () => {
    const { res, body } = await post(
      {
        type: 'booking.created',
        occurredAt: at(0),
        source: 'calendar',
        email: '  Jane.Doe+Demo@Example.COM ',
        phone: '(415) 555-2671',
        fields: { company: 'Acme', seats: 12 },
      },
      { 'Idempotency-Key': 'booking-1' },
    );
    expect(res.status).toBe(202);
    expect(res.headers.get('location')).toBe(`/v1/activities/${body.id}`);
    expect(body).toEqual({ id: expect.stringMatching(/^act_[0-9a-f]{32}$/), status: 'queued' });

    const settled = await app.settled(body.id);
    expect(settled.status).toBe('processed');
    expect(settled.contactId).toMatch(/^ct_/);

    const contact = await (await app.request(`/v1/contacts/${settled.contactId}`)).json();
    expect(contact).toMatchObject({
      id: settled.contactId,
      email: 'jane.doe+demo@example.com',
      phone: '+14155552671',
      status: 'new',
      fields: {
        company: { value: 'Acme', source: 'calendar', setAt: at(0) },
        seats: { value: 12, source: 'calendar', setAt: at(0) },
      },
      recentActivities: [{ id: body.id, type: 'booking.created', source: 'calendar', occurredAt: at(0) }],
      recentPageViews: [],
      firstSeenAt: at(0),
      lastActivityAt: at(0),
    });

    const byEmail = await (await app.request('/v1/contacts?email=JANE.DOE%2Bdemo@example.com')).json();
    expect(byEmail).toEqual({ data: [expect.objectContaining({ id: settled.contactId })], nextCursor: null });
    const byPhone = await (await app.request('/v1/contacts?phone=%2B1%20415%20555%202671')).json();
    expect(byPhone.data.map((c: { id: string }) => c.id)).toEqual([settled.contactId]);
  });

  it('answers duplicate with the same id for a repeated Idempotency-Key and enqueues nothing more', async () => {
    const first = await post({ type: 'chat.completed', occurredAt: at(1), email: 'dup@example.com' }, { 'Idempotency-Key': 'dup-1' });
    await app.settled(first.body.id);
    const before = await activityJobCount(app);
    const second = await post({ type: 'chat.completed', occurredAt: at(1), email: 'dup@example.com' }, { 'Idempotency-Key': 'dup-1' });
    expect(second.res.status).toBe(202);
    expect(second.body).toEqual({ id: first.body.id, status: 'duplicate' });
    expect(await activityJobCount(app)).toBe(before);
  });

  it('treats an identical body without Idempotency-Key as a duplicate', async () => {
    const body = { type: 'form.submitted', occurredAt: at(2), email: 'same-body@example.com' };
    const a = await post(body);
    const b = await post(body);
    expect(b.body).toEqual({ id: a.body.id, status: 'duplicate' });
    // Same content, other key order: the same activity; and so is the same item inside a batch.
    const reordered = await post({ email: body.email, occurredAt: body.occurredAt, type: body.type });
    expect(reordered.body).toEqual({ id: a.body.id, status: 'duplicate' });
    const batch = await (await app.request('/v1/activities/batch', { method: 'POST', json: { activities: [body] } })).json();
    expect(batch.results).toEqual([{ index: 0, id: a.body.id, status: 'duplicate' }]);
    await app.settled(a.body.id);
  });

  it('records an activity without usable identifiers as unidentified and creates no contact', async () => {
    const contactsBefore = await app.repos.contacts.count(app.account);
    const { body } = await post({ type: 'chat.completed', occurredAt: at(3), email: 'not-an-email', phone: '123' });
    const settled = await app.settled(body.id);
    expect(settled).toMatchObject({ status: 'unidentified', contactId: null });
    expect(settled.warnings).toEqual(expect.arrayContaining([expect.stringMatching(/^email_invalid/), expect.stringMatching(/^phone_invalid/)]));
    expect(await app.repos.contacts.count(app.account)).toBe(contactsBefore);
  });

  it('attaches an email to the phone-only contact that the same person created earlier (rule 2)', async () => {
    const phoneOnly = await app.settled((await post({ type: 'call', occurredAt: at(4), phone: '+44 20 7946 0018' })).body.id);
    const withEmail = await app.settled(
      (await post({ type: 'booking.created', occurredAt: at(5), phone: '020 7946 0018', country: 'gb', email: 'sam@example.co.uk' })).body.id,
    );
    expect(withEmail.contactId).toBe(phoneOnly.contactId);
    const contact = await (await app.request(`/v1/contacts/${withEmail.contactId}`)).json();
    expect(contact).toMatchObject({ email: 'sam@example.co.uk', phone: '+442079460018' });
    expect(contact.recentActivities.map((a: { occurredAt: string }) => a.occurredAt)).toEqual([at(5), at(4)]);
  });

  it('lets a newer event overwrite a field and never an older one, whatever the arrival order', async () => {
    const newer = await post({ type: 'form', occurredAt: at(20), email: 'order@example.com', fields: { plan: 'pro' } });
    await app.settled(newer.body.id);
    const older = await post({ type: 'form', occurredAt: at(10), email: 'order@example.com', fields: { plan: 'free', team: 'blue' } });
    const settled = await app.settled(older.body.id);
    const contact = await (await app.request(`/v1/contacts/${settled.contactId}`)).json();
    expect(contact.fields.plan).toMatchObject({ value: 'pro', setAt: at(20) });
    expect(contact.fields.team).toMatchObject({ value: 'blue', setAt: at(10) });
    expect(contact.lastActivityAt).toBe(at(20));
    expect(contact.firstSeenAt).toBe(at(10));
  });
});

describe('contact fields', () => {
  it('maps source field names to the account’s fields; first-touch fields keep the earliest event', async () => {
    const later = await post({ type: 'form', occurredAt: at(50), email: 'fields@example.com', fields: { 'Company Name': 'Acme', utm_campaign: 'spring', first_name: 'Ada', favourite: 'teal' } });
    await app.settled(later.body.id);
    const earlier = await post({ type: 'form', occurredAt: at(49), email: 'fields@example.com', fields: { utm_campaign: 'winter', company: 'Old name' } });
    const settled = await app.settled(earlier.body.id);
    const contact = await (await app.request(`/v1/contacts/${settled.contactId}`)).json();
    expect(contact.fields).toEqual({
      company: { value: 'Acme', source: 'api', setAt: at(50) },
      firstCampaign: { value: 'winter', source: 'api', setAt: at(49) },
      firstName: { value: 'Ada', source: 'api', setAt: at(50) },
      favourite: { value: 'teal', source: 'api', setAt: at(50) },
    });
  });

  it('keeps a value that fails its field type off the contact, as a warning on the activity', async () => {
    await app.repos.accounts.ensure({
      id: 'typed',
      name: 'typed',
      defaultCountry: 'DE',
      statuses: ['lead', 'customer'],
      defaultStatus: 'lead',
      fieldDefinitions: [
        { key: 'seats', type: 'number' },
        { key: 'plan', type: 'single_choice', options: ['Free', 'Pro'] },
      ],
      createdAt: new Date(),
    });
    const typedKey = 'typed_key_0123456789abcdefghijkl';
    await app.repos.accounts.ensureApiKey({ hash: hashApiKey(typedKey), account: 'typed', label: 't', createdAt: new Date() });
    const res = await app.request('/v1/activities', {
      method: 'POST',
      auth: typedKey,
      json: { type: 'form', occurredAt: at(51), phone: '030 901820', fields: { seats: 'many', plan: 'pro' } },
    });
    expect(res.status).toBe(202);
    const { id } = await res.json();
    const settled = await waitFor(async () => {
      const s = await (await app.request(`/v1/activities/${id}`, { auth: typedKey })).json();
      return s.status === 'queued' ? undefined : s;
    });
    expect(settled.warnings).toEqual(['field_type_mismatch:seats']);
    const contact = await (await app.request(`/v1/contacts/${settled.contactId}`, { auth: typedKey })).json();
    // The account's default country (DE) parsed the national number; its default status applies.
    expect(contact).toMatchObject({ phone: '+4930901820', status: 'lead', fields: { plan: { value: 'Pro' } } });
    expect(contact.fields.seats).toBeUndefined();
  });
});

describe('bad input gets a problem+json and enqueues nothing', () => {
  const cases: [string, () => Promise<Response>, number, string][] = [
    ['malformed JSON', () => app.request('/v1/activities', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"type": "x",' }), 400, 'malformed_json'],
    ['missing API key', () => app.request('/v1/activities', { method: 'POST', auth: null, json: { type: 'x', occurredAt: at(0) } }), 401, 'unauthorized'],
    ['wrong API key', () => app.request('/v1/activities', { method: 'POST', auth: 'nope_nope_nope_nope_nope_nope', json: { type: 'x', occurredAt: at(0) } }), 401, 'unauthorized'],
    ['not JSON', () => app.request('/v1/activities', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' }), 415, 'unsupported_media_type'],
    ['JSONP is not JSON', () => app.request('/v1/activities', { method: 'POST', headers: { 'content-type': 'application/jsonp' }, body: '{"type":"x"}' }), 415, 'unsupported_media_type'],
    ['no Content-Type', () => app.request('/v1/activities', { method: 'POST', body: new Blob(['{"type":"x"}']) }), 415, 'unsupported_media_type'],
    ['body too large', () => app.request('/v1/activities', { method: 'POST', json: { type: 'x', occurredAt: at(0), fields: { big: 'x'.repeat(400_000) } } }), 413, 'payload_too_large'],
    ['a corrupt gzip body', () => app.request('/v1/activities', { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: Buffer.from('not gzip at all') }), 400, 'unreadable_body'],
    ['bad Idempotency-Key', () => app.request('/v1/activities', { method: 'POST', json: { type: 'x', occurredAt: at(0) }, headers: { 'idempotency-key': 'has space' } }), 400, 'validation_failed'],
    ['more fields than an activity holds', () => app.request('/v1/activities', { method: 'POST', json: { type: 'x', occurredAt: at(0), fields: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`f${i}`, i])) } }), 400, 'validation_failed'],
    // JSON allows a lone surrogate escape; BSON would store it as U+FFFD, so it is refused.
    ['a lone surrogate in a field value', () => app.request('/v1/activities', { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"type":"x","occurredAt":"${at(0)}","fields":{"note":"\\ud800"}}` }), 400, 'validation_failed'],
    ['a lone surrogate in a page view title', () => app.request('/v1/page-views', { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"visitorId":"v1","url":"https://example.com/","title":"\\udfff","viewedAt":"${at(0)}"}` }), 400, 'validation_failed'],
  ];

  it.each(cases)('%s', async (_name, send, status, code) => {
    const before = await activityJobCount(app);
    const res = await send();
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = await res.json();
    expect(problem).toMatchObject({ status, code, type: `/problems/${code}` });
    expect(await activityJobCount(app)).toBe(before);
  });

  it('takes JSON however its Content-Type is spelled (case, charset, spaces)', async () => {
    for (const [i, type] of ['application/json', 'Application/JSON; charset=utf-8', 'application/json ; charset=UTF-8'].entries()) {
      const res = await app.request('/v1/activities', { method: 'POST', headers: { 'content-type': type }, body: JSON.stringify({ type: 'x', occurredAt: at(40 + i) }) });
      expect(res.status).toBe(202);
    }
  });

  it('names every offending path of an invalid activity', async () => {
    const before = await activityJobCount(app);
    const res = await app.request('/v1/activities', {
      method: 'POST',
      json: { occurredAt: 'yesterday', country: 'USA', fields: { $where: 1, 'a.b': 2, ok: { nested: true } }, extra: 1 },
    });
    expect(res.status).toBe(400);
    const problem = await res.json();
    const paths = problem.errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['type', 'occurredAt', 'country', 'fields.$where', 'fields.a.b', 'fields.ok', '(body)']));
    expect(await activityJobCount(app)).toBe(before);
  });
});

describe('reads', () => {
  it('GET /v1/activities/:id is 404 for unknown ids and for another account’s activity', async () => {
    expect((await app.request('/v1/activities/act_00000000000000000000000000000000')).status).toBe(404);
    expect((await app.request('/v1/activities/not-an-id')).status).toBe(400);

    const { body } = await post({ type: 'x', occurredAt: at(30), email: 'tenant@example.com' });
    await app.settled(body.id);
    await app.repos.accounts.ensure({ id: 'other', name: 'other', defaultCountry: 'US', statuses: ['new'], defaultStatus: 'new', fieldDefinitions: [], createdAt: new Date() });
    const otherKey = 'other_key_0123456789abcdefghijkl';
    await app.repos.accounts.ensureApiKey({ hash: hashApiKey(otherKey), account: 'other', label: 't', createdAt: new Date() });
    const asOther = await app.request(`/v1/activities/${body.id}`, { auth: otherKey });
    expect(asOther.status).toBe(404);
    const contactsOfOther = await (await app.request('/v1/contacts?email=tenant@example.com', { auth: otherKey })).json();
    expect(contactsOfOther.data).toEqual([]);
  });

  it('GET /v1/contacts pages with a stable cursor', async () => {
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await post({ type: 'x', occurredAt: at(40 + i), email: `page${i}@example.com` })).body.id);
    await Promise.all(ids.map((id) => app.settled(id)));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { data: { id: string }[]; nextCursor: string | null } = await (
        await app.request(`/v1/contacts?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
      ).json();
      expect(page.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.data.map((c) => c.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBe(await app.repos.contacts.count(app.account));
  });

  it('rejects operator-shaped query strings instead of using them as filters', async () => {
    const res = await app.request('/v1/contacts?email[$ne]=x');
    expect(res.status).toBe(400);
  });

  it('a new BOOTSTRAP_API_KEY revokes the previous one; a worker process creates no key', async () => {
    const newKey = 'rotated_key_0123456789abcdefghij';
    const rotated = await startTestApp(redis.url, { BOOTSTRAP_API_KEY: newKey }, { repos: app.repos });
    try {
      const asNew = await fetch(`${rotated.baseUrl}/v1/contacts?limit=1`, { headers: { authorization: `Bearer ${newKey}` } });
      expect(asNew.status).toBe(200);
      const asOld = await fetch(`${rotated.baseUrl}/v1/contacts?limit=1`, { headers: { authorization: `Bearer ${TEST_API_KEY}` } });
      expect(asOld.status).toBe(401);
    } finally {
      await rotated.stop();
    }
    const dataDir = mkdtempSync(path.join(tmpdir(), 'contactflow-worker-'));
    const worker = await startTestApp(redis.url, { ROLE: 'worker', NODE_ENV: 'development', BOOTSTRAP_API_KEY: '', DATA_DIR: dataDir }, { repos: app.repos });
    try {
      expect(worker.apiKey).toBeNull();
      expect(existsSync(path.join(dataDir, 'api-key'))).toBe(false);
    } finally {
      await worker.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
    // Put the suite's key back for the tests that follow.
    await startTestApp(redis.url, {}, { repos: app.repos }).then((a) => a.stop());
  });

  it('every API answer, 202, 4xx or probe, carries the JSON API security headers and no ETag', async () => {
    const answers = [
      (await post({ type: 'x', occurredAt: at(1), email: 'headers@example.com' })).res,
      (await post({ type: 'x' })).res,
      await app.request('/v1/contacts?limit=1', { auth: null }),
      await app.request('/healthz', { auth: null }),
    ];
    expect(answers.map((r) => r.status)).toEqual([202, 400, 401, 200]);
    for (const res of answers) {
      expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('etag')).toBeNull();
      expect(res.headers.get('x-powered-by')).toBeNull();
    }
  });

  it('/healthz and /readyz answer without credentials', async () => {
    expect((await app.request('/healthz', { auth: null })).status).toBe(200);
    const ready = await app.request('/readyz', { auth: null });
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { redis: 'ok', worker: 'ok' } });
  });

  it('the in-memory store cannot go unnoticed: /readyz names it', async () => {
    expect(await (await app.request('/readyz', { auth: null })).json()).toMatchObject({ store: 'memory (not persistent)' });
  });
});
