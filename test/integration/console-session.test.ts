import { Redis } from 'ioredis';
import { activityIdFor, PROCESS_ACTIVITY, type ActivityJobData } from '../../src/jobs/activities.queue';
import { startTestApp, TEST_API_KEY, type TestApp } from '../support/app';
import { startTestRedis } from '../support/redis';
import { waitFor } from '../support/wait';

/**
 * The console's session model over real HTTP: sign-in with a key or the admin password, the
 * cookie's attributes, what Redis keeps, the cookie as a credential of /v1 and /admin, CSRF and
 * Origin checks on every change, revocation and sign-out. The page itself is driven in
 * test/e2e/console.test.ts.
 */
const ADMIN_PASSWORD = 'console admin password 0123';

let redis: Awaited<ReturnType<typeof startTestRedis>>;
let app: TestApp;

beforeAll(async () => {
  redis = await startTestRedis();
  app = await startTestApp(redis.url, { ADMIN_PASSWORD });
});

afterAll(async () => {
  await app?.stop();
  await redis?.cleanup();
});

interface Session {
  cookie: string;
  csrfToken: string;
  setCookie: string;
  body: Record<string, unknown>;
}

async function signIn(credentials: Record<string, string>): Promise<Session> {
  const res = await fetch(`${app.baseUrl}/console/session`, { method: 'POST', headers: { 'content-type': 'application/json', origin: app.baseUrl }, body: JSON.stringify(credentials) });
  expect(res.status).toBe(201);
  const setCookie = res.headers.get('set-cookie')!;
  const body = (await res.json()) as Record<string, unknown>;
  return { cookie: setCookie.split(';')[0]!, csrfToken: body.csrfToken as string, setCookie, body };
}

/** A request as the console's page sends it: the cookie, and the token and Origin unless told otherwise. */
function withSession(s: Session, path: string, init: { method?: string; json?: unknown; csrf?: string | null; origin?: string | null } = {}) {
  const { method = 'GET', json, csrf = s.csrfToken, origin = app.baseUrl } = init;
  const headers: Record<string, string> = { cookie: s.cookie };
  if (csrf) headers['x-csrf-token'] = csrf;
  if (origin) headers.origin = origin;
  if (json !== undefined) headers['content-type'] = 'application/json';
  return fetch(app.baseUrl + path, { method, headers, body: json === undefined ? undefined : JSON.stringify(json) });
}

describe('the console page', () => {
  it('is served at /console with a page CSP that allows only its own scripts and styles', async () => {
    const res = await fetch(`${app.baseUrl}/console`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toMatch(/script-src 'self'/);
    expect(csp).toMatch(/style-src 'self'/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    expect(csp).not.toMatch(/unsafe-inline/);
    const html = await res.text();
    expect(html).toContain('/console/js/app.js');
    expect(html).not.toMatch(/<script>|style="/);

    const js = await fetch(`${app.baseUrl}/console/js/app.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${app.baseUrl}/console/nothing.js`)).status).toBe(404);
    expect((await fetch(`${app.baseUrl}/console/../package.json`)).status).toBe(404);
  });
});

describe('an operator session (API key)', () => {
  it('refuses a wrong key, and a sign-in posted from another origin', async () => {
    const wrong = await fetch(`${app.baseUrl}/console/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ apiKey: 'cf_not_a_key_0123456789abcdef' }) });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    const foreign = await fetch(`${app.baseUrl}/console/session`, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'https://evil.example' }, body: JSON.stringify({ apiKey: TEST_API_KEY }) });
    expect(foreign.status).toBe(403);
    expect(await foreign.json()).toMatchObject({ code: 'csrf_failed' });
  });

  it('sets an httpOnly, SameSite=Strict cookie that holds only a random id; Redis keeps no key in clear', async () => {
    const s = await signIn({ apiKey: TEST_API_KEY });
    expect(s.setCookie).toMatch(/^cf_console=[A-Za-z0-9_-]{43};/);
    expect(s.setCookie).toMatch(/HttpOnly/);
    expect(s.setCookie).toMatch(/SameSite=Strict/);
    expect(s.setCookie).toMatch(/Path=\//);
    expect(s.setCookie).not.toMatch(/Secure/); // plain HTTP here
    expect(s.body).toMatchObject({ kind: 'operator', account: app.account });

    const client = new Redis(redis.url);
    try {
      const keys = await client.keys(`${app.config.REDIS_PREFIX}:console-session:*`);
      expect(keys.length).toBeGreaterThan(0);
      const id = s.cookie.split('=')[1]!;
      for (const key of keys) {
        expect(key).not.toContain(id);
        const value = (await client.get(key))!;
        expect(value).not.toContain(TEST_API_KEY);
        expect(value).not.toContain(id);
        const ttl = await client.pttl(key);
        expect(ttl).toBeGreaterThan(7 * 3600_000);
        expect(ttl).toBeLessThanOrEqual(8 * 3600_000);
      }
    } finally {
      client.disconnect();
    }
  });

  it('reads /v1 with the cookie; every change needs the CSRF token and this origin; Bearer is unchanged', async () => {
    const s = await signIn({ apiKey: TEST_API_KEY });
    const who = await withSession(s, '/console/session');
    expect(await who.json()).toMatchObject({ kind: 'operator', account: app.account, csrfToken: s.csrfToken });
    expect((await withSession(s, '/v1/contacts', { csrf: null, origin: null })).status).toBe(200);

    const add = (label: string, opts: { csrf?: string | null; origin?: string | null }) => withSession(s, '/v1/contact-statuses', { method: 'POST', json: { label }, ...opts });
    for (const [opts, why] of [
      [{ csrf: null }, 'no token'],
      [{ csrf: 'x'.repeat(43) }, 'wrong token'],
      [{ origin: 'https://evil.example' }, 'another origin'],
    ] as const) {
      const res = await add('Refused', opts);
      expect([why, res.status]).toEqual([why, 403]);
      expect(res.headers.get('content-type')).toMatch(/problem\+json/);
      expect(await res.json()).toMatchObject({ code: 'csrf_failed' });
    }
    expect((await add('Via console', {})).status).toBe(201);
    // Without Origin, a Referer of this app is accepted, another one refused.
    const referred = (referer: string) =>
      fetch(`${app.baseUrl}/v1/contact-statuses`, { method: 'POST', headers: { cookie: s.cookie, 'x-csrf-token': s.csrfToken, referer, 'content-type': 'application/json' }, body: JSON.stringify({ label: `R ${referer.length}` }) });
    expect((await referred(`${app.baseUrl}/console`)).status).toBe(201);
    expect((await referred('https://evil.example/console')).status).toBe(403);

    const list = (await (await app.request('/v1/contact-statuses')).json()) as { data: { label: string }[] };
    expect(list.data.map((x) => x.label)).toContain('Via console');
    expect(list.data.map((x) => x.label)).not.toContain('Refused');
    // A header-authenticated change needs no token, as before.
    expect((await app.request('/v1/contact-statuses', { method: 'POST', json: { label: 'Via bearer' } })).status).toBe(201);
  });

  it('is no admin credential: /admin answers 401 without a Basic challenge', async () => {
    const s = await signIn({ apiKey: TEST_API_KEY });
    const res = await withSession(s, '/admin/accounts');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBeNull();
  });

  it('ends when its API key is revoked, and on sign-out', async () => {
    const basic = `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`;
    const created = await fetch(`${app.baseUrl}/admin/accounts/${app.account}/api-keys`, { method: 'POST', headers: { authorization: basic, 'content-type': 'application/json' }, body: JSON.stringify({ label: 'console test' }) });
    const key = (await created.json()) as { id: string; key: string };
    const s = await signIn({ apiKey: key.key });
    expect((await withSession(s, '/v1/contacts')).status).toBe(200);
    expect((await fetch(`${app.baseUrl}/admin/accounts/${app.account}/api-keys/${key.id}`, { method: 'DELETE', headers: { authorization: basic } })).status).toBe(204);
    // This process forgets the key at once; others within SETTINGS_CACHE_TTL_MS.
    const after = await withSession(s, '/v1/contacts');
    expect(after.status).toBe(401);
    expect((await withSession(s, '/console/session')).status).toBe(401);

    const t = await signIn({ apiKey: TEST_API_KEY });
    expect((await withSession(t, '/console/session', { method: 'DELETE', csrf: null })).status).toBe(403);
    const out = await withSession(t, '/console/session', { method: 'DELETE' });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/^cf_console=;/);
    expect((await withSession(t, '/v1/contacts')).status).toBe(401);
  });
});

describe('the admin session', () => {
  it('refuses a wrong password, reaches /admin, and is no credential for /v1', async () => {
    const wrong = await fetch(`${app.baseUrl}/console/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ adminPassword: 'nope' }) });
    expect(wrong.status).toBe(401);
    const s = await signIn({ adminPassword: ADMIN_PASSWORD });
    expect(s.body).toMatchObject({ kind: 'admin', account: null });
    expect((await withSession(s, '/admin/accounts')).status).toBe(200);
    expect((await withSession(s, '/v1/contacts')).status).toBe(401);
    expect((await withSession(s, '/admin/accounts', { method: 'POST', json: { name: 'No token' }, csrf: null })).status).toBe(403);
    const created = await withSession(s, '/admin/accounts', { method: 'POST', json: { id: 'console-made', name: 'Made in the console' } });
    expect(created.status).toBe(201);
    // Bull Board's pages open with the session too (its own UI makes GET requests).
    expect((await withSession(s, '/admin/queues')).status).toBe(200);
  });

  it('reads the pipeline: queue counts, failed jobs of every account with their reasons, unidentified per account', async () => {
    const s = await signIn({ adminPassword: ADMIN_PASSWORD });
    // A job for an account nobody created fails permanently with unknown_account.
    const data: ActivityJobData = { kind: 'activity', account: 'ghost', activityId: activityIdFor('ghost', 'k1'), receivedAt: new Date().toISOString(), payload: { type: 'booked', occurredAt: new Date().toISOString(), email: 'ghost@example.com' } };
    await app.queue.add(PROCESS_ACTIVITY, app.sealer.seal(data), { jobId: data.activityId });
    const anon = await app.request('/v1/activities', { method: 'POST', json: { type: 'chat.completed', occurredAt: new Date().toISOString() } });
    await app.settled(((await anon.json()) as { id: string }).id);

    const pipeline = await waitFor(async () => {
      const body = (await (await withSession(s, '/admin/pipeline')).json()) as { counts: { failed: number }; unidentified: number; account: string };
      return body.counts.failed >= 1 ? body : undefined;
    });
    expect(pipeline).toMatchObject({ queue: 'activities', account: app.account, unidentified: 1 });

    const failed = (await (await withSession(s, '/admin/activities?outcome=failed')).json()) as { count: number; data: { id: string; account: string; reason: string }[] };
    expect(failed.data).toEqual([expect.objectContaining({ id: data.activityId, account: 'ghost', reason: 'unknown_account: account ghost does not exist' })]);
    expect(JSON.stringify(failed)).not.toContain('ghost@example.com');
    const other = (await (await withSession(s, '/admin/activities?outcome=failed&account=someone-else')).json()) as { count: number };
    expect(other.count).toBe(0);

    const unidentified = (await (await withSession(s, `/admin/activities?outcome=unidentified&account=${app.account}`)).json()) as { count: number; data: { account: string }[] };
    expect(unidentified).toMatchObject({ count: 1, data: [expect.objectContaining({ account: app.account })] });
    expect((await withSession(s, '/admin/activities?outcome=unidentified')).status).toBe(400);
    // The /v1 listing stays as it was: the caller's account only, no account field.
    const own = (await (await app.request('/v1/activities?outcome=failed')).json()) as { count: number };
    expect(own.count).toBe(0);
  });
});

describe('console sign-in under the failed-authentication limit', () => {
  it('wrong admin passwords and API keys from one address are limited (429) like any other credential', async () => {
    const limited = await startTestApp(redis.url, { ADMIN_PASSWORD, AUTH_FAILURES_PER_MINUTE: '5', TRUST_PROXY: 'loopback' });
    try {
      const signIn = (credentials: unknown, address: string) =>
        fetch(`${limited.baseUrl}/console/session`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: limited.baseUrl, 'x-forwarded-for': address },
          body: JSON.stringify(credentials),
        });
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) statuses.push((await signIn(i % 2 ? { adminPassword: `guess ${i}` } : { apiKey: `cf_guess_${i}_0123456789abcdef` }, '203.0.113.7')).status);
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
      // The right password from that address waits out the minute too; from another it works.
      expect((await signIn({ adminPassword: ADMIN_PASSWORD }, '203.0.113.7')).status).toBe(429);
      expect((await signIn({ adminPassword: ADMIN_PASSWORD }, '198.51.100.9')).status).toBe(201);
    } finally {
      await limited.stop();
    }
  });
});
