import { randomBytes } from 'node:crypto';
import { openApiDocument } from '../../src/api/openapi';
import { TEST_API_KEY } from '../support/app';
import { startTestRedis } from '../support/redis';
import { startService, type RunningService } from '../support/service';

/**
 * One table over every route of the OpenAPI document (so a new route joins the table by itself)
 * × every kind of credential, against a real process. Expected, by the route's documented security:
 *   open (probes, the document, the console page and sign-in) or console-session only: the same
 *     answer whatever the header credential;
 *   /v1 (API key): only a valid key of an account gets past 401; another account's key sees 404
 *     for this account's ids and none of its data in lists;
 *   /admin and /metrics: only the admin credential;
 *   webhooks: none of these (they take a provider signature only: test/integration/webhooks.test.ts).
 */
const ADMIN_PASSWORD = `matrix-${randomBytes(16).toString('hex')}-Aa1!`;
const CREDS = ['none', 'malformed', 'revoked', 'other account', 'API key', 'admin'] as const;
type Cred = (typeof CREDS)[number];

let redis: Awaited<ReturnType<typeof startTestRedis>>;
let service: RunningService | undefined;
afterAll(async () => {
  await service?.stop();
  await redis?.cleanup();
});

describe('auth matrix: every route × {none, malformed, revoked, other account, API key, admin}', () => {
  it('answers as the table says', async () => {
    redis = await startTestRedis();
    service = await startService({ REDIS_URL: redis.url, REDIS_PREFIX: `{am${randomBytes(4).toString('hex')}}`, ADMIN_PASSWORD, WORKER_CONCURRENCY: '4',
      // The table sends ~150 failed authentications from one address; the per-address limit (429) has its own tests.
      AUTH_FAILURES_PER_MINUTE: '100000' });
    const base = service.baseUrl;
    const admin = `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`;
    const call = async (method: string, path: string, auth: string | null, body?: unknown, type = 'application/json') => {
      const headers: Record<string, string> = auth ? { authorization: auth } : {};
      if (body !== undefined) headers['content-type'] = type;
      const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
      return { status: res.status, text: await res.text() };
    };
    const json = async (method: string, path: string, auth: string, body?: unknown) => JSON.parse((await call(method, path, auth, body)).text);

    // Fixtures: another account with its key; a revoked key of this account; this account's ids.
    await json('POST', '/admin/accounts', admin, { id: 'other', name: 'Other' });
    const otherKey = (await json('POST', '/admin/accounts/other/api-keys', admin, { label: 'matrix' })).key as string;
    const revoked = await json('POST', '/admin/accounts/default/api-keys', admin, { label: 'to revoke' });
    expect((await call('DELETE', `/admin/accounts/default/api-keys/${revoked.id}`, admin)).status).toBeLessThan(300);
    const posted = await json('POST', '/v1/activities', `Bearer ${TEST_API_KEY}`, { type: 'form.submitted', occurredAt: '2026-01-01T00:00:00Z', email: 'matrix.owner@example.com' });
    let contactId: string | null = null;
    for (let i = 0; i < 200 && !contactId; i++) {
      contactId = (await json('GET', `/v1/activities/${posted.id}`, `Bearer ${TEST_API_KEY}`)).contactId;
      if (!contactId) await new Promise((r) => setTimeout(r, 50));
    }
    const statusKey = (await json('POST', '/v1/contact-statuses', `Bearer ${TEST_API_KEY}`, { label: 'Matrix only' })).key as string;
    const fieldKey = (await json('POST', '/v1/contact-fields', `Bearer ${TEST_API_KEY}`, { key: 'matrixOnly', label: 'Matrix only', type: 'text' })).key as string;
    expect({ contactId: !!contactId, statusKey: !!statusKey, fieldKey: !!fieldKey, otherKey: !!otherKey }).toEqual({ contactId: true, statusKey: true, fieldKey: true, otherKey: true });

    const auth: Record<Cred, string | null> = {
      none: null,
      malformed: 'Bearer !!not a key!!',
      revoked: `Bearer ${revoked.key}`,
      'other account': `Bearer ${otherKey}`,
      'API key': `Bearer ${TEST_API_KEY}`,
      admin,
    };
    const params: Record<string, (path: string) => string> = {
      id: (p) => (p.startsWith('/admin') ? 'other' : p.startsWith('/v1/activities') ? posted.id : contactId!),
      key: (p) => (p.includes('statuses') ? statusKey : fieldKey),
      keyId: () => revoked.id,
      provider: () => 'scheduling',
    };
    const bodies: Record<string, unknown> = {
      'POST /v1/activities': { type: 'form.submitted', occurredAt: '2026-01-01T00:00:00Z', email: 'matrix.writer@example.com' },
      'POST /v1/activities/batch': { activities: [{ type: 'form.submitted', occurredAt: '2026-01-01T00:00:00Z', email: 'matrix.batch@example.com' }] },
      'POST /v1/page-views': { visitorId: 'v-matrix', url: 'https://example.com/', viewedAt: '2026-01-01T00:00:00Z' },
      'POST /v1/webhooks/{provider}': { id: 'evt_matrix' },
      'PATCH /v1/contacts/{id}': { fields: { company: 'Matrix' } },
      'POST /v1/contacts/{id}/erase': { suppress: false },
      'POST /v1/contacts/import': 'email\nmatrix.import@example.com\n',
      'POST /v1/contact-statuses': { label: 'Another' },
      'PUT /v1/contact-statuses/order': { order: [] },
      'PATCH /v1/contact-statuses/{key}': { label: 'Renamed' },
      'POST /v1/contact-fields': { key: 'another', label: 'Another', type: 'text' },
      'PATCH /v1/contact-fields/{key}': { label: 'Renamed' },
      'POST /admin/accounts': { id: 'third', name: 'Third' },
      'PATCH /admin/accounts/{id}': { name: 'Other account' },
      'POST /admin/accounts/{id}/api-keys': { label: 'x' },
      'PUT /admin/accounts/{id}/webhook-secrets/{provider}': { secrets: ['s'.repeat(32)] },
      'POST /admin/replay': { dryRun: true },
      'POST /console/session': { adminPassword: 'not the password' },
    };

    const doc = openApiDocument() as unknown as { paths: Record<string, Record<string, { security?: Record<string, unknown>[] }>> };
    const schemes = (route: string) => {
      const [m, p] = route.split(' ') as [string, string];
      return (doc.paths[p]![m.toLowerCase()]!.security ?? []).flatMap((s) => Object.keys(s));
    };
    const destructive = (r: string) => /^DELETE|\/erase$/.test(r);
    const routes = Object.entries(doc.paths)
      .flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`))
      .sort((a, b) => Number(destructive(a)) - Number(destructive(b)));

    // By the route's documented security, so a new route is judged by what it declares.
    const expected = (route: string, cred: Cred): string => {
      const path = route.split(' ')[1]!;
      const s = schemes(route);
      // Open, or taking only the console's session cookie (which none of the six is): the header makes no difference.
      if (s.length === 0 || s.every((x) => x === 'consoleSession')) return 'same for every credential';
      if (s.some((x) => /Signature$/.test(x))) return '401';
      if (s.includes('adminBasic')) return cred === 'admin' ? 'allowed' : '401';
      if (!s.includes('apiKey')) throw new Error(`${route}: security ${s.join(', ')} is not in the table yet`);
      if (cred === 'API key') return 'allowed';
      if (cred === 'other account') return /\{(id|key)\}/.test(path) ? '404' : 'allowed, none of the account’s data';
      return '401';
    };
    const rows: string[] = [];
    const mismatches: string[] = [];
    for (const route of routes) {
      const [method, template] = route.split(' ') as [string, string];
      const path = template.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(params[name]!(template))) + (template.startsWith('/v1/webhooks') ? '?account=default' : '');
      const row: string[] = [];
      let firstOfRow: number | undefined;
      // The account's own key goes last: DELETE and erase with it change what the others would see.
      for (const cred of [...CREDS].sort((a, b) => Number(a === 'API key') - Number(b === 'API key'))) {
        const body = bodies[route];
        const res = await call(method, path, auth[cred], body, route.endsWith('/import') ? 'text/csv' : 'application/json');
        const want = expected(route, cred);
        const leaks = res.text.includes(contactId!) || res.text.includes('matrix.owner@example.com');
        const ok =
          want === 'same for every credential'
            ? res.status < 500 && (firstOfRow === undefined || res.status === firstOfRow) && !leaks
            : want === 'allowed'
            ? res.status < 500 && res.status !== 401 && res.status !== 403
            : want.startsWith('allowed,')
              ? res.status < 500 && res.status !== 401 && res.status !== 403 && !leaks
              : String(res.status) === want && (want !== '404' || !leaks);
        firstOfRow ??= res.status;
        row.push(`${cred}=${res.status}`);
        if (!ok) mismatches.push(`${route} with ${cred}: expected ${want}, got ${res.status}${leaks ? ' (shows the other account’s data)' : ''}: ${res.text.slice(0, 160)}`);
      }
      rows.push(`${route.padEnd(55)} ${row.join(' ')}`);
    }
    process.stdout.write(`auth matrix (${routes.length} routes × ${CREDS.length} credentials):\n${rows.join('\n')}\n`);
    expect(routes.length).toBeGreaterThanOrEqual(38);
    expect(mismatches).toEqual([]);
  }, 90_000);
});
