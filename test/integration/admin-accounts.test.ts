import { spawn } from 'node:child_process';
import path from 'node:path';
import {
  adminAccountPageSchema,
  adminAccountSchema,
  apiKeyListSchema,
  createdApiKeySchema,
  webhookSecretListSchema,
  webhookSecretSetSchema,
} from '../../src/api/api-schemas';
import { SETTINGS_CACHE_TTL_MS } from '../../src/services/accounts.service';
import { PROVIDER_NAMES } from '../../src/services/mappers';
import { signatureHeaderValue } from '../../src/services/webhook-signature';
import { startTestApp, type TestApp } from '../support/app';
import { startTestRedis } from '../support/redis';
import { waitFor } from '../support/wait';
import { fixtureBytes } from '../support/webhook-fixtures';

/**
 * /admin/accounts…: accounts, API keys and per-provider webhook secrets, over real HTTP against the
 * real app. A second API process on the same store shows the bounds that hold across processes.
 */
type Redis = Awaited<ReturnType<typeof startTestRedis>>;

const ADMIN_PASSWORD = 'admin accounts test password';
const BOOTSTRAP_SECRET = 'whsec_bootstrap_0123456789abcdefghij';
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const ADMIN = basic('admin', ADMIN_PASSWORD);

let redis: Redis;
let app: TestApp;
/** Another API process (and worker) on the same store, with caches of its own. */
let second: TestApp;

beforeAll(async () => {
  redis = await startTestRedis();
  // This suite polls refused credentials until a change reaches the other process: no failure limit.
  const env = { ADMIN_PASSWORD, WEBHOOK_SECRET: BOOTSTRAP_SECRET, AUTH_FAILURES_PER_MINUTE: '100000' };
  app = await startTestApp(redis.url, env);
  second = await startTestApp(redis.url, env, { repos: app.repos });
});

afterAll(async () => {
  await second?.stop();
  await app?.stop();
  await redis?.cleanup();
});

async function admin(pathname: string, init: RequestInit & { json?: unknown; authorization?: string | null } = {}, target: TestApp = app) {
  const { json, authorization = ADMIN, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (authorization) headers.set('authorization', authorization);
  if (json !== undefined) headers.set('content-type', 'application/json');
  const res = await fetch(target.baseUrl + pathname, { ...rest, headers, body: json !== undefined ? JSON.stringify(json) : rest.body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

const createAccount = (json: unknown) => admin('/admin/accounts', { method: 'POST', json });
const createKey = async (account: string, json: unknown) => {
  const res = await admin(`/admin/accounts/${account}/api-keys`, { method: 'POST', json });
  expect(res.status).toBe(201);
  return createdApiKeySchema.parse(res.body);
};
/** An API call with a key: 200 while it works, 401 once it does not. */
const useKey = async (key: string, target: TestApp = app) => (await target.request('/v1/contact-statuses', { auth: key })).status;

describe('accounts', () => {
  it('creates an account (id given or generated) with the qualification pipeline, and refuses a taken id', async () => {
    const created = await createAccount({ id: 'acme-corp', name: 'Acme Corp', defaultCountry: 'gb' });
    expect(created.status).toBe(201);
    expect(adminAccountSchema.parse(created.body)).toEqual({ id: 'acme-corp', name: 'Acme Corp', defaultCountry: 'GB', defaultStatus: 'new', createdAt: expect.any(String) });
    expect(created.headers.get('location')).toBe('/admin/accounts/acme-corp');

    const generated = await createAccount({ name: 'No id' });
    expect(generated.body).toMatchObject({ id: expect.stringMatching(/^acct_[0-9a-f]{28}$/), defaultCountry: 'US' });

    expect((await createAccount({ id: 'acme-corp', name: 'Again' })).body).toMatchObject({ code: 'account_exists' });
    for (const bad of [{ id: 'Acme Corp', name: 'x' }, { name: '' }, { name: 'x', defaultCountry: 'GBR' }, { name: 'x', plan: 'pro' }, {}]) {
      expect((await createAccount(bad)).status).toBe(400);
    }
    expect((await admin('/admin/accounts/acme-corp')).body).toEqual(created.body);
    expect((await admin('/admin/accounts/nobody')).status).toBe(404);
  });

  it('lists accounts in id order with a stable cursor', async () => {
    for (const id of ['list-a', 'list-b', 'list-c']) await createAccount({ id, name: id });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await admin(`/admin/accounts?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      const page = adminAccountPageSchema.parse(res.body);
      expect(page.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.data.map((a) => a.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...seen].sort());
    expect(seen).toEqual(expect.arrayContaining([app.account, 'acme-corp', 'list-a', 'list-b', 'list-c']));
    expect(new Set(seen).size).toBe(seen.length);
    expect((await admin('/admin/accounts?limit=0')).status).toBe(400);
    expect((await admin('/admin/accounts?cursor[$gt]=a')).status).toBe(400);
  });

  it('renames an account and changes its default country, which parses the next activity’s phone', async () => {
    await createAccount({ id: 'country-co', name: 'Country Co', defaultCountry: 'US' });
    const { key } = await createKey('country-co', { label: 'country test' });
    const patched = await admin('/admin/accounts/country-co', { method: 'PATCH', json: { name: 'Country Co GmbH', defaultCountry: 'DE' } });
    expect(patched.body).toMatchObject({ id: 'country-co', name: 'Country Co GmbH', defaultCountry: 'DE' });
    expect((await admin('/admin/accounts/country-co', { method: 'PATCH', json: {} })).status).toBe(400);
    expect((await admin('/admin/accounts/country-co', { method: 'PATCH', json: { id: 'other' } })).status).toBe(400);

    const res = await app.request('/v1/activities', { method: 'POST', auth: key, json: { type: 'form', occurredAt: '2026-11-02T09:00:00Z', phone: '030 901820' } });
    const { id } = (await res.json()) as { id: string };
    const settled = await waitFor(async () => {
      const s = (await (await app.request(`/v1/activities/${id}`, { auth: key })).json()) as { status: string; contactId: string };
      return s.status === 'queued' ? undefined : s;
    });
    const contact = await (await app.request(`/v1/contacts/${settled.contactId}`, { auth: key })).json();
    expect(contact.phone).toBe('+4930901820');
  });
});

describe('API keys', () => {
  beforeAll(async () => {
    await createAccount({ id: 'keys-co', name: 'Keys Co' });
  });

  it('a created key works at once, is listed without its secret, and records its last use', async () => {
    const created = await createKey('keys-co', { label: 'zapier' });
    expect(created).toMatchObject({ id: expect.stringMatching(/^key_[0-9a-f]{24}$/), label: 'zapier', expiresAt: null, lastUsedAt: null, expired: false });
    expect(created.key).toMatch(/^cf_/);
    expect(await useKey(created.key)).toBe(200);

    const listed = await waitFor(async () => {
      const res = await admin('/admin/accounts/keys-co/api-keys');
      const page = apiKeyListSchema.parse(res.body);
      return page.data[0]?.lastUsedAt ? page : undefined;
    }, { what: 'lastUsedAt' });
    expect(listed.data).toEqual([{ ...created, key: undefined, lastUsedAt: expect.any(String) }].map(({ key: _key, ...view }) => view));
    const text = JSON.stringify(listed);
    expect(text).not.toContain(created.key);
    expect(text).not.toMatch(/[0-9a-f]{64}/); // no hash either
  });

  it('a revoked key answers 401 at once here and within 5 s on another API process', async () => {
    const { id, key } = await createKey('keys-co', { label: 'to revoke' });
    // Both processes have the key cached.
    expect(await useKey(key, app)).toBe(200);
    expect(await useKey(key, second)).toBe(200);

    const revokedAt = Date.now();
    expect((await admin(`/admin/accounts/keys-co/api-keys/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect(await useKey(key, app)).toBe(401);
    await waitFor(async () => ((await useKey(key, second)) === 401 ? true : undefined), { timeoutMs: SETTINGS_CACHE_TTL_MS + 2_000, intervalMs: 100, what: 'the revocation on the second process' });
    expect(Date.now() - revokedAt).toBeLessThanOrEqual(SETTINGS_CACHE_TTL_MS + 500);

    expect((await admin('/admin/accounts/keys-co/api-keys')).body.data.map((k: { id: string }) => k.id)).not.toContain(id);
    expect((await admin(`/admin/accounts/keys-co/api-keys/${id}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('an expired key answers 401 from its expiry on, cached or not', async () => {
    const expiresAt = new Date(Date.now() + 1_500).toISOString();
    const { key, expiresAt: listedExpiry } = await createKey('keys-co', { label: 'short lived', expiresAt });
    expect(listedExpiry).toBe(expiresAt);
    expect(await useKey(key)).toBe(200);
    await waitFor(async () => ((await useKey(key)) === 401 ? true : undefined), { timeoutMs: 4_000, intervalMs: 100, what: 'the expiry' });
    expect(Date.now()).toBeGreaterThanOrEqual(new Date(expiresAt).getTime());
    const listed = (await admin('/admin/accounts/keys-co/api-keys')).body.data.find((k: { label: string }) => k.label === 'short lived');
    expect(listed).toMatchObject({ expired: true });
  });

  it('refuses bad keys requests and keeps keys per account', async () => {
    const cases: [string, RequestInit & { json?: unknown }, number][] = [
      ['/admin/accounts/keys-co/api-keys', { method: 'POST', json: { label: 'bootstrap' } }, 400],
      ['/admin/accounts/keys-co/api-keys', { method: 'POST', json: { label: 'past', expiresAt: '2020-01-01T00:00:00Z' } }, 400],
      ['/admin/accounts/keys-co/api-keys', { method: 'POST', json: { label: 'no offset', expiresAt: '2030-01-01T00:00:00' } }, 400],
      ['/admin/accounts/keys-co/api-keys', { method: 'POST', json: { label: 'x', account: 'other' } }, 400],
      ['/admin/accounts/nobody/api-keys', { method: 'POST', json: { label: 'x' } }, 404],
      ['/admin/accounts/nobody/api-keys', {}, 404],
      ['/admin/accounts/keys-co/api-keys/not-a-key-id', { method: 'DELETE' }, 400],
    ];
    for (const [p, init, status] of cases) expect({ p, status: (await admin(p, init)).status }).toEqual({ p, status });

    // A key id of another account is unknown here.
    const { id, key } = await createKey('acme-corp', { label: 'acme only' });
    expect((await admin(`/admin/accounts/keys-co/api-keys/${id}`, { method: 'DELETE' })).status).toBe(404);
    expect(await useKey(key)).toBe(200);
    expect((await admin('/admin/accounts/keys-co/api-keys')).body.data.map((k: { id: string }) => k.id)).not.toContain(id);
  });

  it('an API key (or a wrong Basic credential) cannot reach /admin', async () => {
    const { key } = await createKey('keys-co', { label: 'not admin' });
    for (const authorization of [`Bearer ${key}`, `Bearer ${app.apiKey}`, basic('admin', 'wrong'), basic(key, ''), null]) {
      for (const [p, method] of [['/admin/accounts', 'GET'], ['/admin/accounts', 'POST'], ['/admin/accounts/keys-co/api-keys', 'GET'], ['/admin/accounts/keys-co/webhook-secrets/chatbot', 'PUT']] as const) {
        const res = await admin(p, { method, authorization, ...(method === 'POST' ? { json: { name: 'sneaky' } } : {}) });
        expect({ p, method, status: res.status }).toEqual({ p, method, status: 401 });
      }
    }
    expect((await admin('/admin/accounts')).body.data.map((a: { name: string }) => a.name)).not.toContain('sneaky');
  });
});

describe('webhook secrets per provider', () => {
  const now = () => Math.floor(Date.now() / 1000);
  const body = fixtureBytes('chatbot.conversation-completed');
  async function webhook(account: string, provider: string, secret: string, target: TestApp = app) {
    const res = await fetch(`${target.baseUrl}/v1/webhooks/${provider}?account=${account}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'Contactflow-Signature': signatureHeaderValue(secret, now(), body) },
      body,
    });
    return res.status;
  }
  const put = (account: string, provider: string, json?: unknown) =>
    admin(`/admin/accounts/${account}/webhook-secrets/${provider}`, { method: 'PUT', ...(json === undefined ? {} : { json }) });

  beforeAll(async () => {
    await createAccount({ id: 'hooks-co', name: 'Hooks Co' });
  });

  it('a new account has none; a generated secret verifies its provider only, on every process within 5 s', async () => {
    expect(webhookSecretListSchema.parse((await admin('/admin/accounts/hooks-co/webhook-secrets')).body).data.map((s) => s.source)).toEqual(PROVIDER_NAMES.map(() => 'none'));
    expect(await webhook('hooks-co', 'chatbot', BOOTSTRAP_SECRET)).toBe(401);
    expect(await webhook('hooks-co', 'chatbot', BOOTSTRAP_SECRET, second)).toBe(401); // now cached there

    const set = await put('hooks-co', 'chatbot');
    const setAt = Date.now();
    expect(set.status).toBe(200);
    const { secret } = webhookSecretSetSchema.parse(set.body);
    expect(secret).toMatch(/^whsec_/);
    expect(set.body.previousExpiresAt).toBeNull();
    expect(await webhook('hooks-co', 'chatbot', secret)).toBe(202);
    expect(await webhook('hooks-co', 'scheduling', secret)).toBe(401);
    await waitFor(async () => ((await webhook('hooks-co', 'chatbot', secret, second)) === 202 ? true : undefined), {
      timeoutMs: SETTINGS_CACHE_TTL_MS + 2_000,
      intervalMs: 100,
      what: 'the secret on the second process',
    });
    expect(Date.now() - setAt).toBeLessThanOrEqual(SETTINGS_CACHE_TTL_MS + 500);

    const listed = webhookSecretListSchema.parse((await admin('/admin/accounts/hooks-co/webhook-secrets')).body);
    expect(listed.data.find((s) => s.provider === 'chatbot')).toEqual({ provider: 'chatbot', source: 'provider', createdAt: set.body.createdAt, rotatedAt: set.body.rotatedAt, previousExpiresAt: null });
    expect(JSON.stringify(listed)).not.toContain(secret);
  });

  it('rotation: the previous secret keeps verifying for the grace period, and graceSeconds 0 ends it', async () => {
    const first = (await put('hooks-co', 'routing-form')).body.secret as string;
    const own = 'my-own-routing-form-secret-0123456789';
    const rotated = await put('hooks-co', 'routing-form', { secret: own });
    expect(rotated.body).toMatchObject({ secret: own });
    const graceEnds = new Date(rotated.body.previousExpiresAt).getTime() - new Date(rotated.body.rotatedAt).getTime();
    expect(graceEnds).toBe(86_400_000);
    expect(await webhook('hooks-co', 'routing-form', own)).toBe(202);
    expect(await webhook('hooks-co', 'routing-form', first)).toBe(202);
    expect((await admin('/admin/accounts/hooks-co/webhook-secrets')).body.data.find((s: { provider: string }) => s.provider === 'routing-form')).toMatchObject({
      previousExpiresAt: rotated.body.previousExpiresAt,
    });

    // A leaked secret: rotate without grace.
    const third = (await put('hooks-co', 'routing-form', { graceSeconds: 0 })).body;
    expect(third.previousExpiresAt).toBeNull();
    expect(await webhook('hooks-co', 'routing-form', own)).toBe(401);
    expect(await webhook('hooks-co', 'routing-form', third.secret)).toBe(202);
  });

  it('the bootstrap WEBHOOK_SECRET signs for every provider until one has its own (then for its grace period)', async () => {
    const bootstrap = app.account;
    expect((await admin(`/admin/accounts/${bootstrap}/webhook-secrets`)).body.data.map((s: { source: string }) => s.source)).toEqual(PROVIDER_NAMES.map(() => 'account'));
    expect(await webhook(bootstrap, 'scheduling', BOOTSTRAP_SECRET)).toBe(202);

    const own = (await put(bootstrap, 'scheduling')).body;
    expect(own.previousExpiresAt).not.toBeNull(); // the account-wide secret, for the grace period
    expect(await webhook(bootstrap, 'scheduling', own.secret)).toBe(202);
    expect(await webhook(bootstrap, 'scheduling', BOOTSTRAP_SECRET)).toBe(202);
    expect(await webhook(bootstrap, 'chatbot', own.secret)).toBe(401);

    await put(bootstrap, 'scheduling', { graceSeconds: 0 });
    expect(await webhook(bootstrap, 'scheduling', BOOTSTRAP_SECRET)).toBe(401);
    expect(await webhook(bootstrap, 'chatbot', BOOTSTRAP_SECRET)).toBe(202);
  });

  it('refuses an unknown provider, account, a weak secret and a body that is not JSON', async () => {
    expect((await put('hooks-co', 'oncehub-nope')).body).toMatchObject({ code: 'unknown_provider' });
    expect((await put('nobody', 'chatbot')).status).toBe(404);
    expect((await put('hooks-co', 'chatbot', { secret: 'short' })).status).toBe(400);
    expect((await put('hooks-co', 'chatbot', { secret: 'x'.repeat(30), extra: 1 })).status).toBe(400);
    expect((await put('hooks-co', 'chatbot', { graceSeconds: -1 })).status).toBe(400);
    const text = await admin('/admin/accounts/hooks-co/webhook-secrets/chatbot', { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'secret' });
    expect(text.status).toBe(415);
  });
});

describe('npm run admin', () => {
  function run(args: string[], env: Record<string, string> = {}) {
    const child = spawn(path.resolve('node_modules/.bin/tsx'), ['src/cli/admin.ts', ...args], {
      env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'silent', MONGODB_URI: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
  }

  it('--help prints the commands', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    for (const command of ['accounts create', 'accounts list', 'accounts update', 'keys create', 'keys list', 'keys revoke', 'secrets set', 'secrets rotate']) {
      expect(stdout).toContain(command);
    }
  });

  it('refuses to run against the in-memory store (exit 64, says why)', async () => {
    const { code, stderr } = await run(['accounts', 'list']);
    expect(code).toBe(64);
    expect(stderr).toMatch(/MONGODB_URI is required/);
  });
});
