import { contactPageSchema, contactViewSchema, problemSchema, timelinePageSchema } from '../../src/api/api-schemas';
import { DEFAULT_FIELD_DEFINITIONS } from '../../src/domain';
import { hashApiKey, newAccount } from '../../src/services/accounts.service';
import { forgetProcessed, startTestApp, type TestApp } from '../support/app';
import { startTestRedis } from '../support/redis';
import { waitFor } from '../support/wait';

/**
 * The operator's half of the contacts API over real HTTP against the real app (real Redis, real
 * worker, in-memory store): find, edit, delete, the timeline, and that no account reaches another's.
 */
type Redis = Awaited<ReturnType<typeof startTestRedis>>;

let redis: Redis;
let app: TestApp;

// Each suite below works in its own account, so listings see only what the suite created.
const KEYS = {
  list: 'ops_list_key_0123456789abcdefghij',
  edit: 'ops_edit_key_0123456789abcdefghij',
  other: 'ops_other_key_0123456789abcdefghi',
};

beforeAll(async () => {
  redis = await startTestRedis();
  app = await startTestApp(redis.url);
  for (const [name, key] of Object.entries(KEYS)) {
    const account = newAccount({ id: `ops-${name}`, name, defaultCountry: 'US' });
    // A typed number field, to show that an edit is typed like an activity's value.
    account.fieldDefinitions = [...DEFAULT_FIELD_DEFINITIONS.map((d) => ({ ...d })), { key: 'employees', type: 'number' }];
    await app.repos.accounts.ensure(account);
    await app.repos.accounts.ensureApiKey({ hash: hashApiKey(key), account: account.id, label: 'test', createdAt: new Date() });
  }
});

afterAll(async () => {
  await app?.stop();
  await redis?.cleanup();
});

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 12, minute)).toISOString();

async function activity(key: string, body: Record<string, unknown>, idempotencyKey?: string) {
  const res = await app.request('/v1/activities', {
    method: 'POST',
    auth: key,
    json: { type: 'form.submitted', ...body },
    headers: idempotencyKey ? { 'idempotency-key': idempotencyKey } : {},
  });
  expect(res.status).toBe(202);
  const { id } = (await res.json()) as { id: string };
  // app.settled asks with the bootstrap key; these activities belong to the suites' own accounts.
  const settled = await waitFor(
    async () => {
      const r = await app.request(`/v1/activities/${id}`, { auth: key });
      const body = (await r.json()) as { status: string; contactId: string | null; warnings: string[] };
      return r.status === 200 && body.status !== 'queued' ? body : undefined;
    },
    { what: `activity ${id} to settle` },
  );
  return { id, ...settled };
}

async function getContact(key: string, id: string) {
  const res = await app.request(`/v1/contacts/${id}`, { auth: key });
  expect(res.status).toBe(200);
  return { etag: res.headers.get('etag'), body: contactViewSchema.parse(await res.json()) };
}

async function patch(key: string, id: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await app.request(`/v1/contacts/${id}`, { method: 'PATCH', auth: key, json: body, headers });
  const json = (await res.json()) as unknown;
  return { status: res.status, etag: res.headers.get('etag'), type: res.headers.get('content-type'), json };
}

async function problem(res: Response) {
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  return problemSchema.parse(await res.json());
}

describe('GET /v1/contacts: search, filter, sort, page', () => {
  const key = KEYS.list;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    // name, email, phone, firstSeen minute, last activity minute, status
    const people: [string, string, string, string | null, number, number, string | null][] = [
      ['ada', 'Ada', 'Lovelace', '+14155550101', 1, 50, null],
      ['grace', 'Grace', 'Hopper', '+14155550102', 2, 40, 'qualified'],
      ['alan', 'alan', 'turing', null, 3, 30, 'qualified'],
      ['edsger', 'Edsger', 'Dijkstra', '+442071838750', 4, 20, null],
      ['nameless', '', '', '+14155550105', 5, 10, null],
      ['barbara', 'Barbara', 'Liskov', null, 6, 60, 'disqualified'],
    ];
    for (const [tag, first, last, phone, seen, lastSeen, status] of people) {
      const fields = { ...(first ? { first_name: first } : {}), ...(last ? { last_name: last } : {}) };
      const created = await activity(key, { occurredAt: at(seen), email: `${tag}@list.example`, phone, fields });
      ids[tag] = created.contactId!;
      await activity(key, { occurredAt: at(lastSeen), email: `${tag}@list.example`, ...(status ? { status } : {}) });
    }
  });

  async function list(query: string, auth = key) {
    const res = await app.request(`/v1/contacts${query}`, { auth });
    expect(res.status).toBe(200);
    return contactPageSchema.parse(await res.json());
  }
  async function everyPage(query: string, limit: number) {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await list(`?${query}${query ? '&' : ''}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.data.length).toBeLessThanOrEqual(limit);
      seen.push(...page.data.map((c) => c.id));
      cursor = page.nextCursor;
    } while (cursor);
    return seen;
  }
  const tags = (...t: string[]) => t.map((x) => ids[x]);

  it('sorts by lastActivityAt (default), firstSeenAt (newest first) or name (last, first; nameless last), every page once', async () => {
    const byRecent = tags('barbara', 'ada', 'grace', 'alan', 'edsger', 'nameless');
    const byFirstSeen = tags('barbara', 'nameless', 'edsger', 'alan', 'grace', 'ada');
    const byName = tags('edsger', 'grace', 'barbara', 'ada', 'alan', 'nameless');
    for (const limit of [1, 2, 4, 50]) {
      expect(await everyPage('', limit)).toEqual(byRecent);
      expect(await everyPage('sort=lastActivityAt', limit)).toEqual(byRecent);
      expect(await everyPage('sort=firstSeenAt', limit)).toEqual(byFirstSeen);
      expect(await everyPage('sort=name', limit)).toEqual(byName);
    }
  });

  it('a cursor stays valid while contacts are added: every contact that existed is listed exactly once', async () => {
    const first = await list('?sort=name&limit=2');
    const late = await activity(key, { occurredAt: at(70), email: 'aaron@list.example', fields: { last_name: 'Aaronson' } });
    const rest: string[] = [];
    let cursor = first.nextCursor;
    while (cursor) {
      const page = await list(`?sort=name&limit=2&cursor=${cursor}`);
      rest.push(...page.data.map((c) => c.id));
      cursor = page.nextCursor;
    }
    const seen = [...first.data.map((c) => c.id), ...rest];
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((id) => id !== late.contactId)).toEqual(tags('edsger', 'grace', 'barbara', 'ada', 'alan', 'nameless'));
    await app.request(`/v1/contacts/${late.contactId}`, { method: 'DELETE', auth: key });
  });

  it('q: case-insensitive prefix of the email, the phone digits, the first or the last name', async () => {
    const found = async (q: string) => (await list(`?q=${encodeURIComponent(q)}`)).data.map((c) => c.id).sort();
    expect(await found('ADA@')).toEqual(tags('ada'));
    expect(await found('lovel')).toEqual(tags('ada'));
    expect(await found('GRACE')).toEqual(tags('grace'));
    expect(await found('Grace Hop')).toEqual(tags('grace'));
    expect(await found('14155550')).toEqual(tags('ada', 'grace', 'nameless').sort());
    expect(await found('+1 415 555 0102')).toEqual(tags('grace'));
    expect(await found('4420')).toEqual(tags('edsger'));
    expect(await found('a')).toEqual(tags('ada', 'alan').sort());
    expect(await found('list.example')).toEqual([]); // a prefix, not a substring
    for (const q of ['.*', 'a.*', '^ada', '(a|g)', '[a-z]', '\\']) expect(await found(q)).toEqual([]);
  });

  it('filters by status and by firstSeenAt in [capturedFrom, capturedTo), combined with q and any sort', async () => {
    const got = async (query: string) => (await list(query)).data.map((c) => c.id);
    expect(await got('?status=qualified')).toEqual(tags('grace', 'alan'));
    expect(await got('?status=Qualified&sort=name')).toEqual(tags('grace', 'alan'));
    expect(await got('?status=new&sort=firstSeenAt')).toEqual(tags('nameless', 'edsger', 'ada'));
    expect(await got(`?capturedFrom=${encodeURIComponent(at(2))}&capturedTo=${encodeURIComponent(at(5))}&sort=firstSeenAt`)).toEqual(tags('edsger', 'alan', 'grace'));
    expect(await got(`?capturedFrom=${encodeURIComponent(at(2))}&status=qualified&q=al`)).toEqual(tags('alan'));
    expect(await got('?capturedTo=2026-01-01')).toEqual([]);
    expect(await got('?status=nope')).toEqual([]);
  });

  it('keeps the exact email and phone look-ups', async () => {
    expect((await list('?email=ADA%40List.Example')).data.map((c) => c.id)).toEqual(tags('ada'));
    expect((await list('?phone=(415)%20555-0102')).data.map((c) => c.id)).toEqual(tags('grace'));
  });

  it('answers 400 for a bad query: an unparsable or foreign cursor, operator-shaped keys, a look-up with filters', async () => {
    const page = await list('?sort=name&limit=1');
    for (const query of [
      '?cursor=not-a-cursor',
      `?cursor=${Buffer.from('{"s":"name","v":{"$gt":""},"i":"x"}').toString('base64url')}`,
      `?cursor=${Buffer.from('{"s":"lastActivityAt","v":"x","i":"ct_1"}').toString('base64url')}`,
      `?sort=firstSeenAt&cursor=${page.nextCursor}`,
      '?q[$ne]=',
      '?q[$regex]=.*',
      '?status[$ne]=x',
      '?email=ada@list.example&q=ada',
      '?sort=email',
      '?capturedFrom=yesterday',
      `?capturedFrom=${encodeURIComponent(at(5))}&capturedTo=${encodeURIComponent(at(1))}`,
      '?q=',
      '?limit=500',
      '?unknown=1',
    ]) {
      const res = await app.request(`/v1/contacts${query}`, { auth: key });
      expect([query, res.status]).toEqual([query, 400]);
      expect((await problem(res)).code).toBe('validation_failed');
    }
  });
});

describe('PATCH /v1/contacts/{id}', () => {
  const key = KEYS.edit;
  let id: string;

  beforeAll(async () => {
    id = (await activity(key, { occurredAt: at(1), email: 'edit@edit.example', fields: { company: 'Acme', job_title: 'CTO', utm_source: 'google' } })).contactId!;
    await activity(key, { occurredAt: at(1), email: 'taken@edit.example' });
    await activity(key, { occurredAt: at(1), phone: '+14155550177' }); // a phone-only contact
  });

  it('changes the status; the answer is the contact with its ETag, and the edit is in its timeline', async () => {
    const before = await getContact(key, id);
    expect(before.etag).toBe(`"${before.body.version}"`);
    expect(before.body.status).toBe('new');
    const res = await patch(key, id, { status: 'qualified' });
    expect(res.status).toBe(200);
    const body = contactViewSchema.parse(res.json);
    expect(body.status).toBe('qualified');
    expect(res.etag).toBe(`"${body.version}"`);
    expect(body.version).toBeGreaterThan(before.body.version);
    expect(body.recentActivities[0]).toMatchObject({ type: 'contact.updated', source: 'operator' });
    expect(await getContact(key, id)).toEqual({ etag: res.etag, body });

    const timeline = timelinePageSchema.parse(await (await app.request(`/v1/contacts/${id}/activities`, { auth: key })).json());
    expect(timeline.data[0]).toMatchObject({ id: body.recentActivities[0]!.id, type: 'contact.updated', source: 'operator', outcome: 'processed', status: 'qualified' });
  });

  it('sets and clears fields, typed by the account’s definitions; normalizes email and phone as the worker does', async () => {
    const res = await patch(key, id, { fields: { company: '  Initech ', employees: '42', jobTitle: null, nickname: 'Eddie' }, email: ' Edited@EDIT.example ', phone: '(415) 555-0188' });
    expect(res.status).toBe(200);
    const body = contactViewSchema.parse(res.json);
    expect(body.fields.company).toMatchObject({ value: 'Initech', source: 'operator' });
    expect(body.fields.employees).toMatchObject({ value: 42, source: 'operator' });
    expect(body.fields.nickname).toMatchObject({ value: 'Eddie' });
    expect(body.fields).not.toHaveProperty('jobTitle');
    expect(body).toMatchObject({ email: 'edited@edit.example', phone: '+14155550188' });
    // The old email is free: the look-up finds the contact under its new one only.
    expect((await (await app.request('/v1/contacts?email=edit@edit.example', { auth: key })).json()).data).toEqual([]);
    expect((await (await app.request('/v1/contacts?email=edited@edit.example', { auth: key })).json()).data[0].id).toBe(id);
    const timeline = timelinePageSchema.parse(await (await app.request(`/v1/contacts/${id}/activities?type=contact.updated`, { auth: key })).json());
    expect(timeline.data[0]).toMatchObject({ fields: { company: 'Initech', employees: 42, jobTitle: null, nickname: 'Eddie' }, email: 'edited@edit.example', phone: '+14155550188' });
  });

  it('409 identifier_taken when another contact holds the email (or, email-less, the phone), and nothing changes', async () => {
    const before = await getContact(key, id);
    // One email per contact; one email-less contact per phone (contacts with emails may share one).
    for (const body of [{ email: 'TAKEN@edit.example', fields: { company: 'Should not stick' } }, { email: null, phone: '+1 415 555 0177' }]) {
      const res = await patch(key, id, body);
      expect(res.status).toBe(409);
      expect((res.json as { code: string }).code).toBe('identifier_taken');
      expect(res.type).toMatch(/^application\/problem\+json/);
    }
    expect(await getContact(key, id)).toEqual(before);
  });

  it('If-Match: 412 when the contact changed since it was read (a worker applied an activity), 200 with the current ETag', async () => {
    const read = await getContact(key, id);
    await activity(key, { occurredAt: at(5), email: 'edited@edit.example', fields: { city: 'Paris' } });
    const stale = await patch(key, id, { status: 'disqualified' }, { 'if-match': read.etag! });
    expect(stale.status).toBe(412);
    expect((stale.json as { code: string }).code).toBe('precondition_failed');
    expect((await patch(key, id, { status: 'disqualified' }, { 'if-match': 'W/' + read.etag! })).status).toBe(412);
    const current = await getContact(key, id);
    expect(current.body.status).not.toBe('disqualified');
    const ok = await patch(key, id, { status: 'disqualified' }, { 'if-match': `"0", ${current.etag}` });
    expect(ok.status).toBe(200);
    expect((await patch(key, id, { status: 'qualified' }, { 'if-match': '*' })).status).toBe(200);
  });

  it('without If-Match, concurrent edits and worker updates are all applied (each merged by event time)', async () => {
    const edits = Array.from({ length: 6 }, (_, i) => patch(key, id, { fields: { [`parallel_${i}`]: i } }));
    const work = activity(key, { occurredAt: at(6), email: 'edited@edit.example', fields: { from_worker: 'yes' } });
    const answers = await Promise.all(edits);
    await work;
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
    const { body } = await getContact(key, id);
    for (let i = 0; i < 6; i++) expect(body.fields[`parallel_${i}`]?.value).toBe(i);
    expect(body.fields.from_worker?.value).toBe('yes');
  });

  it('400 for unknown, system-managed and mass-assignment keys, operator injection and ill-typed values; 409 for set-once; nothing changes', async () => {
    const before = await getContact(key, id);
    const cases: [unknown, number, string][] = [
      [{ account: 'ops-other' }, 400, 'validation_failed'],
      [{ id: 'ct_00000000000000000000000000' }, 400, 'validation_failed'],
      [{ createdAt: at(0) }, 400, 'validation_failed'],
      [{ recentActivities: [] }, 400, 'validation_failed'],
      [{ version: 99 }, 400, 'validation_failed'],
      [{ visitorIds: ['v'] }, 400, 'validation_failed'],
      [{ firstSeenAt: at(0) }, 400, 'validation_failed'],
      [{ fields: { $set: 1 } }, 400, 'validation_failed'],
      [{ fields: { 'a.b': 1 } }, 400, 'validation_failed'],
      [{ fields: { company: { $ne: null } } }, 400, 'validation_failed'],
      [{ status: { $ne: null } }, 400, 'validation_failed'],
      [{ email: { $gt: '' } }, 400, 'validation_failed'],
      [{ status: 'vip' }, 400, 'validation_failed'],
      [{ status: null }, 400, 'validation_failed'],
      [{ fields: { employees: 'many' } }, 400, 'validation_failed'],
      [{ email: 'not an email' }, 400, 'validation_failed'],
      [{ phone: '555' }, 400, 'validation_failed'],
      [{ email: null, phone: null }, 400, 'validation_failed'],
      [{}, 400, 'validation_failed'],
      [[], 400, 'validation_failed'],
      [{ fields: { firstSource: 'bing' } }, 409, 'field_set_once'],
    ];
    for (const [body, status, code] of cases) {
      const res = await patch(key, id, body);
      expect([body, res.status, (res.json as { code: string }).code]).toEqual([body, status, code]);
    }
    // Keys JSON.parse makes own properties: "__proto__" at the top and inside fields.
    for (const raw of ['{"__proto__":{"status":"disqualified"}}', '{"fields":{"__proto__":"x"}}', '{"status":"qualified","__proto__":{"account":"x"}}']) {
      const res = await app.request(`/v1/contacts/${id}`, { method: 'PATCH', auth: key, headers: { 'content-type': 'application/json' }, body: raw });
      expect([raw, res.status]).toEqual([raw, 400]);
    }
    const text = await app.request(`/v1/contacts/${id}`, { method: 'PATCH', auth: key, headers: { 'content-type': 'text/plain' }, body: '{"status":"new"}' });
    expect(text.status).toBe(415);
    expect((await app.request('/v1/contacts/ct_nope', { method: 'PATCH', auth: key, json: { status: 'new' } })).status).toBe(400);
    expect((await app.request('/v1/contacts/ct_0000000000000000000000000000', { method: 'PATCH', auth: key, json: { status: 'new' } })).status).toBe(404);
    expect(await getContact(key, id)).toEqual(before);
  });
});

describe('an edit is an event at the time of the edit (identity rule 6)', () => {
  const key = KEYS.edit;

  it('an activity with an older occurredAt does not override an edit; a newer one does (values, clears and status)', async () => {
    const id = (await activity(key, { occurredAt: at(10), email: 'order@edit.example', fields: { company: 'Acme', job_title: 'CTO' } })).contactId!;
    expect((await patch(key, id, { status: 'qualified', fields: { company: 'Edited', jobTitle: null } })).status).toBe(200);

    const hourAgo = new Date(Date.now() - 3600_000).toISOString();
    await activity(key, { occurredAt: hourAgo, email: 'order@edit.example', status: 'disqualified', fields: { company: 'Older', job_title: 'Older title' } });
    let { body } = await getContact(key, id);
    expect(body.status).toBe('qualified');
    expect(body.fields.company).toMatchObject({ value: 'Edited', source: 'operator' });
    expect(body.fields).not.toHaveProperty('jobTitle');

    const inAMinute = new Date(Date.now() + 60_000).toISOString();
    await activity(key, { occurredAt: inAMinute, email: 'order@edit.example', source: 'chatbot', status: 'sales_qualified', fields: { company: 'Newer', job_title: 'VP' } });
    ({ body } = await getContact(key, id));
    expect(body.status).toBe('sales_qualified');
    expect(body.fields.company).toMatchObject({ value: 'Newer', source: 'chatbot', setAt: inAMinute });
    expect(body.fields.jobTitle).toMatchObject({ value: 'VP' });
  });

  it('an activity’s unknown status is a warning and changes nothing', async () => {
    const created = await activity(key, { occurredAt: at(10), email: 'unknown-status@edit.example', status: 'vip' });
    expect(created.warnings).toContain('status_unknown');
    expect((await getContact(key, created.contactId!)).body.status).toBe('new');
    const known = await activity(key, { occurredAt: at(11), email: 'unknown-status@edit.example', status: 'Qualified' });
    expect(known.warnings).not.toContain('status_unknown');
    expect((await getContact(key, created.contactId!)).body.status).toBe('qualified');
  });
});

describe('DELETE /v1/contacts/{id} and the timeline', () => {
  const key = KEYS.edit;

  it('the contact goes, its activities stay without a contact, a replay resurrects nothing, a later activity makes a new contact', async () => {
    const first = await activity(key, { occurredAt: at(20), email: 'gone@edit.example', fields: { company: 'Old Co' } }, 'gone-1');
    const id = first.contactId!;
    await activity(key, { occurredAt: at(21), email: 'gone@edit.example', visitorId: 'vis-gone' });
    expect((await patch(key, id, { status: 'qualified' })).status).toBe(200);
    const contacts = await app.repos.contacts.count('ops-edit');

    const del = await app.request(`/v1/contacts/${id}`, { method: 'DELETE', auth: key });
    expect(del.status).toBe(204);
    expect(await del.text()).toBe('');
    expect((await app.request(`/v1/contacts/${id}`, { auth: key })).status).toBe(404);
    expect((await app.request(`/v1/contacts/${id}/activities`, { auth: key })).status).toBe(404);
    expect((await app.request(`/v1/contacts/${id}`, { method: 'DELETE', auth: key })).status).toBe(404);
    expect(await app.repos.contacts.count('ops-edit')).toBe(contacts - 1);
    // Its history stays, without a contact.
    const status = await (await app.request(`/v1/activities/${first.id}`, { auth: key })).json();
    expect(status).toMatchObject({ status: 'processed', contactId: null });

    // The same activity delivered again (Redis no longer remembers the job): recorded, so a no-op.
    await forgetProcessed(app, first.id);
    const replay = await activity(key, { occurredAt: at(20), email: 'gone@edit.example', fields: { company: 'Old Co' } }, 'gone-1');
    expect(replay).toMatchObject({ id: first.id, status: 'processed', contactId: null });
    expect(await app.repos.contacts.count('ops-edit')).toBe(contacts - 1);

    const later = await activity(key, { occurredAt: at(30), email: 'gone@edit.example', visitorId: 'vis-gone' });
    expect(later.contactId).toMatch(/^ct_/);
    expect(later.contactId).not.toBe(id);
    const reborn = (await getContact(key, later.contactId!)).body;
    expect(reborn).toMatchObject({ email: 'gone@edit.example', status: 'new', fields: {} });
    expect(reborn.recentActivities.map((a) => a.id)).toEqual([later.id]);
  });

  it('lists the whole history newest first, filtered by type, cursor-paged, with the operator’s edits', async () => {
    const id = (await activity(key, { occurredAt: at(40), email: 'history@edit.example', type: 'booking.created' })).contactId!;
    await activity(key, { occurredAt: at(42), email: 'history@edit.example', type: 'chat.completed' });
    await activity(key, { occurredAt: at(41), email: 'history@edit.example', type: 'booking.created' });
    const edit = contactViewSchema.parse((await patch(key, id, { fields: { company: 'Timeline Inc' } })).json).recentActivities[0]!;

    const all = timelinePageSchema.parse(await (await app.request(`/v1/contacts/${id}/activities`, { auth: key })).json());
    expect(all.data.map((a) => [a.type, a.occurredAt])).toEqual([
      ['contact.updated', edit.occurredAt],
      ['chat.completed', at(42)],
      ['booking.created', at(41)],
      ['booking.created', at(40)],
    ]);
    expect(all.nextCursor).toBeNull();

    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page = timelinePageSchema.parse(await (await app.request(`/v1/contacts/${id}/activities?limit=1${cursor ? `&cursor=${cursor}` : ''}`, { auth: key })).json());
      paged.push(...page.data.map((a) => a.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(paged).toEqual(all.data.map((a) => a.id));

    const bookings = timelinePageSchema.parse(await (await app.request(`/v1/contacts/${id}/activities?type=booking.created`, { auth: key })).json());
    expect(bookings.data.map((a) => a.occurredAt)).toEqual([at(41), at(40)]);
    for (const query of ['?cursor=x', '?type[$ne]=x', '?limit=0', '?other=1']) {
      expect((await app.request(`/v1/contacts/${id}/activities${query}`, { auth: key })).status).toBe(400);
    }
  });
});

describe('tenant isolation', () => {
  it('another account cannot read, list, search, edit, delete or see the timeline of a contact: 404s, nothing changes', async () => {
    const mine = (await activity(KEYS.edit, { occurredAt: at(50), email: 'private@edit.example', fields: { first_name: 'Private' } })).contactId!;
    const before = await getContact(KEYS.edit, mine);
    const other = KEYS.other;

    expect((await app.request(`/v1/contacts/${mine}`, { auth: other })).status).toBe(404);
    expect((await app.request(`/v1/contacts/${mine}/activities`, { auth: other })).status).toBe(404);
    expect((await patch(other, mine, { status: 'disqualified' })).status).toBe(404);
    expect((await patch(other, mine, { status: 'disqualified' }, { 'if-match': '*' })).status).toBe(404);
    expect((await app.request(`/v1/contacts/${mine}`, { method: 'DELETE', auth: other })).status).toBe(404);
    for (const query of ['', '?q=private', '?email=private@edit.example', '?status=new', '?sort=name']) {
      const page = contactPageSchema.parse(await (await app.request(`/v1/contacts${query}`, { auth: other })).json());
      expect(page.data.map((c) => c.id)).not.toContain(mine);
    }
    expect(await getContact(KEYS.edit, mine)).toEqual(before);

    // The same email in the other account is another contact, which the first account cannot see either.
    const theirs = (await activity(other, { occurredAt: at(51), email: 'private@edit.example' })).contactId!;
    expect(theirs).not.toBe(mine);
    expect((await app.request(`/v1/contacts/${theirs}`, { auth: KEYS.edit })).status).toBe(404);
    expect((await app.request(`/v1/contacts/${theirs}`, { method: 'DELETE', auth: KEYS.edit })).status).toBe(404);
    expect((await getContact(other, theirs)).body.email).toBe('private@edit.example');
  });
});
