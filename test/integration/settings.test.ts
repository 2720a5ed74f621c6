import {
  contactFieldListSchema,
  contactFieldSchema,
  contactStatusDeletedSchema,
  contactStatusListSchema,
  contactStatusSchema,
  createdApiKeySchema,
} from '../../src/api/api-schemas';
import { startTestApp, type TestApp } from '../support/app';
import { startTestRedis } from '../support/redis';

/**
 * /v1/contact-statuses and /v1/contact-fields over real HTTP against the real app (real Redis,
 * real worker): what an operator changes applies to the activities processed afterwards.
 */
type Redis = Awaited<ReturnType<typeof startTestRedis>>;

const ADMIN = `Basic ${Buffer.from('admin:settings admin password').toString('base64')}`;

let redis: Redis;
let app: TestApp;
let seq = 0;

beforeAll(async () => {
  redis = await startTestRedis();
  app = await startTestApp(redis.url, { ADMIN_PASSWORD: 'settings admin password' });
});

afterAll(async () => {
  await app?.stop();
  await redis?.cleanup();
});

const at = (minute: number) => new Date(Date.UTC(2026, 10, 3, 9, minute)).toISOString();

async function call(path: string, init: RequestInit & { json?: unknown; auth?: string | null } = {}) {
  const res = await app.request(path, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

/** Posts an activity, waits until the worker settled it, returns the contact it landed on. */
async function contactFrom(activity: Record<string, unknown>, auth?: string) {
  const res = await app.request('/v1/activities', { method: 'POST', auth, json: { type: 'form', occurredAt: at(seq++ % 50), ...activity } });
  expect(res.status).toBe(202);
  const { id } = await res.json();
  const settled = await app.settled(id);
  expect(settled.status).toBe('processed');
  const contact = await call(`/v1/contacts/${settled.contactId}`, { auth });
  return { ...contact.body, warnings: settled.warnings };
}

async function statuses(auth?: string) {
  const res = await call('/v1/contact-statuses', { auth });
  expect(res.status).toBe(200);
  return contactStatusListSchema.parse(res.body);
}

describe('contact statuses', () => {
  it('an account starts with the qualification pipeline, New by default', async () => {
    expect(await statuses()).toEqual({
      defaultStatus: 'new',
      data: [
        { key: 'new', label: 'New', isDefault: true },
        { key: 'qualified', label: 'Qualified', isDefault: false },
        { key: 'marketing_qualified', label: 'Marketing qualified', isDefault: false },
        { key: 'sales_qualified', label: 'Sales qualified', isDefault: false },
        { key: 'disqualified', label: 'Disqualified', isDefault: false },
      ],
    });
  });

  it('creates (key from the label), renames without touching contacts, reorders, and keeps one default', async () => {
    const created = await call('/v1/contact-statuses', { method: 'POST', json: { label: 'Customer (won)' } });
    expect(created.status).toBe(201);
    expect(contactStatusSchema.parse(created.body)).toEqual({ key: 'customer_won', label: 'Customer (won)', isDefault: false });
    expect(created.headers.get('location')).toBe('/v1/contact-statuses/customer_won');

    const before = await contactFrom({ email: 'rename@settings.example' });
    expect(before.status).toBe('new');
    const renamed = await call('/v1/contact-statuses/new', { method: 'PATCH', json: { label: 'Fresh lead' } });
    expect(renamed).toMatchObject({ status: 200, body: { key: 'new', label: 'Fresh lead', isDefault: true } });
    // The contact stores the key: the rename changed nothing on it.
    const after = await call(`/v1/contacts/${before.id}`);
    expect(after.body).toMatchObject({ status: 'new', updatedAt: before.updatedAt });

    const order = (await statuses()).data.map((s) => s.key).reverse();
    const reordered = await call('/v1/contact-statuses/order', { method: 'PUT', json: { keys: order } });
    expect(reordered.status).toBe(200);
    expect(contactStatusListSchema.parse(reordered.body).data.map((s) => s.key)).toEqual(order);

    // The one default moves; the next new contact gets it.
    expect((await call('/v1/contact-statuses/customer_won', { method: 'PATCH', json: { isDefault: true } })).body).toMatchObject({ isDefault: true });
    const list = await statuses();
    expect(list.defaultStatus).toBe('customer_won');
    expect(list.data.filter((s) => s.isDefault).map((s) => s.key)).toEqual(['customer_won']);
    expect((await contactFrom({ email: 'default@settings.example' })).status).toBe('customer_won');

    await call('/v1/contact-statuses/new', { method: 'PATCH', json: { label: 'New', isDefault: true } });
    await call('/v1/contact-statuses/order', { method: 'PUT', json: { keys: [...order].reverse() } });
  });

  it('refuses a taken key or label, an unknown status, and an order that is not a permutation', async () => {
    const cases: [string, RequestInit & { json?: unknown }, number, string][] = [
      ['/v1/contact-statuses', { method: 'POST', json: { label: 'Other', key: 'qualified' } }, 409, 'status_exists'],
      ['/v1/contact-statuses', { method: 'POST', json: { label: 'qualified' } }, 409, 'status_label_taken'],
      ['/v1/contact-statuses', { method: 'POST', json: { label: '!!!' } }, 400, 'validation_failed'],
      ['/v1/contact-statuses', { method: 'POST', json: { label: 'Bad key', key: 'Not A Key' } }, 400, 'validation_failed'],
      ['/v1/contact-statuses/nope', { method: 'PATCH', json: { label: 'x' } }, 404, 'not_found'],
      ['/v1/contact-statuses/nope', {}, 404, 'not_found'],
      ['/v1/contact-statuses/new', { method: 'PATCH', json: {} }, 400, 'validation_failed'],
      ['/v1/contact-statuses/new', { method: 'PATCH', json: { isDefault: false } }, 400, 'validation_failed'],
      ['/v1/contact-statuses/order', { method: 'PUT', json: { keys: ['new', 'qualified'] } }, 400, 'validation_failed'],
      ['/v1/contact-statuses/order', { method: 'PUT', json: { keys: ['new', 'new', 'qualified', 'marketing_qualified', 'sales_qualified', 'disqualified'] } }, 400, 'validation_failed'],
      ['/v1/contact-statuses', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'label=x' }, 415, 'unsupported_media_type'],
    ];
    const before = await statuses();
    for (const [path, init, status, code] of cases) {
      const res = await call(path, init);
      expect({ path, status: res.status, code: res.body.code }).toEqual({ path, status, code });
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    expect(await statuses()).toEqual(before);
  });

  it('deletes an unused status, refuses one in use (409) or the default, and replaceWith moves its contacts', async () => {
    await call('/v1/contact-statuses', { method: 'POST', json: { label: 'Trial' } });
    // Contacts get the default when created: make Trial the default for two new contacts.
    await call('/v1/contact-statuses/trial', { method: 'PATCH', json: { isDefault: true } });
    const held = [await contactFrom({ email: 'trial1@settings.example' }), await contactFrom({ email: 'trial2@settings.example' })];
    expect(held.map((c) => c.status)).toEqual(['trial', 'trial']);
    await call('/v1/contact-statuses/new', { method: 'PATCH', json: { isDefault: true } });

    const inUse = await call('/v1/contact-statuses/trial', { method: 'DELETE' });
    expect(inUse).toMatchObject({ status: 409, body: { code: 'status_in_use', contacts: 2 } });
    expect((await statuses()).data.map((s) => s.key)).toContain('trial');

    expect((await call('/v1/contact-statuses/trial?replaceWith=nope', { method: 'DELETE' })).status).toBe(400);
    expect((await call('/v1/contact-statuses/trial?replaceWith=trial', { method: 'DELETE' })).status).toBe(400);
    expect((await call('/v1/contact-statuses/new', { method: 'DELETE' })).body).toMatchObject({ code: 'status_is_default' });

    const moved = await call('/v1/contact-statuses/trial?replaceWith=qualified', { method: 'DELETE' });
    expect(moved.status).toBe(200);
    expect(contactStatusDeletedSchema.parse(moved.body)).toEqual({ deleted: 'trial', moved: 2 });
    for (const c of held) {
      const now = (await call(`/v1/contacts/${c.id}`)).body;
      expect(now.status).toBe('qualified');
    }
    expect((await statuses()).data.map((s) => s.key)).not.toContain('trial');
    expect((await call('/v1/contact-statuses/trial', { method: 'DELETE' })).status).toBe(404);

    await call('/v1/contact-statuses', { method: 'POST', json: { label: 'Unused' } });
    expect((await call('/v1/contact-statuses/unused', { method: 'DELETE' })).body).toEqual({ deleted: 'unused', moved: 0 });
  });
});

describe('contact fields', () => {
  it('lists the identifiers and the system fields; none is archived', async () => {
    const res = await call('/v1/contact-fields');
    expect(res.status).toBe(200);
    const { data } = contactFieldListSchema.parse(res.body);
    expect(data.slice(0, 2)).toEqual([
      { key: 'email', label: 'Email', type: 'email', options: null, setOnce: false, sourceNames: [], system: true, identifier: true, archived: false },
      { key: 'phone', label: 'Phone', type: 'phone', options: null, setOnce: false, sourceNames: [], system: true, identifier: true, archived: false },
    ]);
    expect(data.find((f) => f.key === 'firstCampaign')).toMatchObject({ system: true, setOnce: true, sourceNames: ['utm_campaign'] });
    expect(data.every((f) => !f.archived)).toBe(true);
  });

  it('a new field, its type and its source names apply to the next activity processed', async () => {
    const seats = await call('/v1/contact-fields', { method: 'POST', json: { key: 'seats', label: 'Seats', type: 'number', sourceNames: ['Team size'] } });
    expect(seats.status).toBe(201);
    expect(contactFieldSchema.parse(seats.body)).toEqual({
      key: 'seats', label: 'Seats', type: 'number', options: null, setOnce: false, sourceNames: ['Team size'], system: false, identifier: false, archived: false,
    });
    expect(seats.headers.get('location')).toBe('/v1/contact-fields/seats');
    await call('/v1/contact-fields', { method: 'POST', json: { key: 'plan', label: 'Plan', type: 'select', options: ['Free', 'Pro'] } });
    await call('/v1/contact-fields', { method: 'POST', json: { key: 'website', label: 'Website', type: 'url', sourceNames: ['site'] } });

    const c = await contactFrom({ email: 'fields@settings.example', fields: { team_size: '12', plan: 'pro', site: 'acme.example.com/about', other: 'x' } });
    expect(c.fields).toMatchObject({ seats: { value: 12 }, plan: { value: 'Pro' }, website: { value: 'https://acme.example.com/about' }, other: { value: 'x' } });
    expect(c.fields.team_size).toBeUndefined();

    const bad = await contactFrom({ email: 'badfields@settings.example', fields: { seats: 'many', plan: 'Enterprise', website: 'javascript:alert(1)' } });
    expect(bad.warnings).toEqual(expect.arrayContaining(['field_type_mismatch:seats', 'field_type_mismatch:plan', 'field_type_mismatch:website']));
    expect(bad.fields).not.toHaveProperty('seats');
  });

  it('updates label, source names, options and setOnce; archiving stops the mapping, restoring brings it back', async () => {
    await call('/v1/contact-fields', { method: 'POST', json: { key: 'headcount', label: 'Headcount', type: 'number', sourceNames: ['employees'] } });
    const updated = await call('/v1/contact-fields/headcount', { method: 'PATCH', json: { label: 'Employees', sourceNames: ['staff', 'team'], setOnce: true } });
    expect(updated.body).toMatchObject({ key: 'headcount', label: 'Employees', sourceNames: ['staff', 'team'], setOnce: true, type: 'number' });
    const options = await call('/v1/contact-fields/plan', { method: 'PATCH', json: { options: ['Free', 'Pro', 'Enterprise'] } });
    expect(options.body.options).toEqual(['Free', 'Pro', 'Enterprise']);

    const mapped = await contactFrom({ email: 'archive@settings.example', fields: { staff: '40', employees: '41', plan: 'enterprise' } });
    expect(mapped.fields).toMatchObject({ headcount: { value: 40 }, employees: { value: '41' }, plan: { value: 'Enterprise' } });

    const archived = await call('/v1/contact-fields/headcount', { method: 'DELETE' });
    expect(archived).toMatchObject({ status: 200, body: { key: 'headcount', archived: true } });
    expect((await call('/v1/contact-fields')).body.data.map((f: { key: string }) => f.key)).not.toContain('headcount');
    expect((await call('/v1/contact-fields?includeArchived=true')).body.data.map((f: { key: string }) => f.key)).toContain('headcount');

    // Not mapped any more: the source name stays a custom field of its own; the captured value stays.
    const after = await contactFrom({ email: 'archive@settings.example', fields: { staff: '50' } });
    expect(after.fields).toMatchObject({ headcount: { value: 40 }, staff: { value: '50' } });

    await call('/v1/contact-fields/headcount', { method: 'PATCH', json: { archived: false } });
    const restored = await contactFrom({ email: 'restored@settings.example', fields: { team: '7' } });
    expect(restored.fields).toMatchObject({ headcount: { value: 7 } });
  });

  it('refuses to archive a system field, to edit an identifier, a taken key or source name, and bad definitions', async () => {
    const cases: [string, RequestInit & { json?: unknown }, number, string][] = [
      ['/v1/contact-fields/company', { method: 'DELETE' }, 409, 'system_field'],
      ['/v1/contact-fields/firstName', { method: 'PATCH', json: { archived: true } }, 409, 'system_field'],
      ['/v1/contact-fields/email', { method: 'PATCH', json: { label: 'Mail' } }, 409, 'field_not_editable'],
      ['/v1/contact-fields', { method: 'POST', json: { key: 'company', label: 'Firm', type: 'text' } }, 409, 'field_exists'],
      ['/v1/contact-fields', { method: 'POST', json: { key: 'email', label: 'Mail', type: 'email' } }, 409, 'field_exists'],
      ['/v1/contact-fields', { method: 'POST', json: { key: 'firm', label: 'Firm', type: 'text', sourceNames: ['Company Name'] } }, 409, 'source_name_taken'],
      ['/v1/contact-fields', { method: 'POST', json: { key: 'constructor', label: 'x', type: 'text' } }, 400, 'validation_failed'],
      ['/v1/contact-fields', { method: 'POST', json: { key: 'x.y', label: 'x', type: 'text' } }, 400, 'validation_failed'],
      ['/v1/contact-fields', { method: 'POST', json: { key: 'tier', label: 'Tier', type: 'select' } }, 400, 'validation_failed'],
      ['/v1/contact-fields', { method: 'POST', json: { key: 'tier', label: 'Tier', type: 'text', options: ['a'] } }, 400, 'validation_failed'],
      ['/v1/contact-fields', { method: 'POST', json: { key: 'tier', label: 'Tier', type: 'select', options: ['a', 'A'] } }, 400, 'validation_failed'],
      ['/v1/contact-fields', { method: 'POST', json: { key: 'tier', label: 'Tier', type: 'single_choice', options: ['a'] } }, 400, 'validation_failed'],
      ['/v1/contact-fields/seats', { method: 'PATCH', json: { type: 'text' } }, 400, 'validation_failed'],
      ['/v1/contact-fields/seats', { method: 'PATCH', json: { options: ['a'] } }, 400, 'validation_failed'],
      ['/v1/contact-fields/nope', { method: 'PATCH', json: { label: 'x' } }, 404, 'not_found'],
    ];
    const before = (await call('/v1/contact-fields?includeArchived=true')).body;
    for (const [path, init, status, code] of cases) {
      const res = await call(path, init);
      expect({ path, body: init.json, status: res.status, code: res.body.code }).toEqual({ path, body: init.json, status, code });
    }
    expect((await call('/v1/contact-fields?includeArchived=true')).body).toEqual(before);
  });
});

describe('security', () => {
  let otherKey: string;

  beforeAll(async () => {
    const admin = (path: string, json: unknown) =>
      fetch(app.baseUrl + path, { method: 'POST', headers: { authorization: ADMIN, 'content-type': 'application/json' }, body: JSON.stringify(json) });
    expect((await admin('/admin/accounts', { id: 'settings-other', name: 'Other' })).status).toBe(201);
    otherKey = createdApiKeySchema.parse(await (await admin('/admin/accounts/settings-other/api-keys', { label: 'tests' })).json()).key;
  });

  it('a second account sees only its own statuses and fields, and cannot change the first’s', async () => {
    await call('/v1/contact-statuses', { method: 'POST', json: { label: 'Only mine' } });
    await call('/v1/contact-fields', { method: 'POST', json: { key: 'onlyMine', label: 'Only mine', type: 'text' } });
    const mine = { statuses: await statuses(), fields: (await call('/v1/contact-fields?includeArchived=true')).body };

    const theirs = await statuses(otherKey);
    expect(theirs.data.map((s) => s.key)).toEqual(['new', 'qualified', 'marketing_qualified', 'sales_qualified', 'disqualified']);
    expect((await call('/v1/contact-fields', { auth: otherKey })).body.data.map((f: { key: string }) => f.key)).not.toContain('onlyMine');

    const attempts: [string, RequestInit & { json?: unknown }][] = [
      ['/v1/contact-statuses/only_mine', {}],
      ['/v1/contact-statuses/only_mine', { method: 'PATCH', json: { label: 'Stolen' } }],
      ['/v1/contact-statuses/only_mine', { method: 'DELETE' }],
      ['/v1/contact-fields/onlyMine', {}],
      ['/v1/contact-fields/onlyMine', { method: 'PATCH', json: { label: 'Stolen' } }],
      ['/v1/contact-fields/onlyMine', { method: 'DELETE' }],
    ];
    for (const [path, init] of attempts) expect({ path, status: (await call(path, { ...init, auth: otherKey })).status }).toEqual({ path, status: 404 });
    // Their own changes stay theirs.
    expect((await call('/v1/contact-fields', { method: 'POST', auth: otherKey, json: { key: 'onlyMine', label: 'Theirs', type: 'number' } })).status).toBe(201);
    expect((await call('/v1/contact-statuses/qualified', { method: 'DELETE', auth: otherKey })).status).toBe(200);

    expect({ statuses: await statuses(), fields: (await call('/v1/contact-fields?includeArchived=true')).body }).toEqual(mine);
  });

  it('operator injection and prototype keys in bodies and queries answer 400 and change nothing', async () => {
    const raw = (path: string, method: string, body: string) => call(path, { method, headers: { 'content-type': 'application/json' }, body });
    const attempts: [string, () => Promise<{ status: number; body: { code?: string } }>][] = [
      ['label operator', () => call('/v1/contact-statuses', { method: 'POST', json: { label: { $ne: null } } })],
      ['__proto__ in a status', () => raw('/v1/contact-statuses', 'POST', '{"label":"Proto","__proto__":{"isAdmin":true}}')],
      ['constructor in a status', () => raw('/v1/contact-statuses', 'POST', '{"label":"Ctor","constructor":{"prototype":{"isAdmin":true}}}')],
      ['$set in a status patch', () => call('/v1/contact-statuses/new', { method: 'PATCH', json: { label: 'x', $set: { defaultStatus: 'x' } } })],
      ['keys operator', () => call('/v1/contact-statuses/order', { method: 'PUT', json: { keys: { $ne: [] } } })],
      ['__proto__ in a field', () => raw('/v1/contact-fields', 'POST', '{"key":"protoField","label":"x","type":"text","__proto__":{"polluted":true}}')],
      ['__proto__ as a field key', () => call('/v1/contact-fields', { method: 'POST', json: { key: '__proto__', label: 'x', type: 'text' } })],
      ['prototype path', () => call('/v1/contact-fields/__proto__', { method: 'PATCH', json: { label: 'x' } })],
      ['sourceNames operator', () => call('/v1/contact-fields/seats', { method: 'PATCH', json: { sourceNames: { $each: ['a'] } } })],
      ['replaceWith operator', () => call('/v1/contact-statuses/marketing_qualified?replaceWith[$ne]=x', { method: 'DELETE' })],
      ['__proto__ in a query', () => call('/v1/contact-statuses?__proto__[isAdmin]=1')],
      ['constructor in a query', () => call('/v1/contact-fields?constructor[prototype][x]=1')],
      ['$where in a query', () => call('/v1/contact-fields?$where=1')],
    ];
    const before = { statuses: await statuses(), fields: (await call('/v1/contact-fields?includeArchived=true')).body };
    for (const [name, attempt] of attempts) {
      const res = await attempt();
      expect({ name, status: res.status, code: res.body.code }).toEqual({ name, status: 400, code: 'validation_failed' });
    }
    expect({ statuses: await statuses(), fields: (await call('/v1/contact-fields?includeArchived=true')).body }).toEqual(before);
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
