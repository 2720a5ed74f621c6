import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Repositories } from '../../src/repositories';
import { createMemoryRepositories } from '../../src/repositories/memory';
import { signatureHeaderValue } from '../../src/services/webhook-signature';
import { startTestApp, type TestApp } from '../support/app';
import { startTestRedis } from '../support/redis';

/**
 * Failed authentications are limited per client address (finding 10) and failed admin logins are
 * limited and logged (finding 5). TRUST_PROXY=loopback lets each test speak as its own address
 * through X-Forwarded-For, the way a client behind a trusted proxy is seen.
 */
type Redis = Awaited<ReturnType<typeof startTestRedis>>;

const ADMIN_PASSWORD = 'auth throttle admin password';
const METRICS_TOKEN = 'metrics_token_for_the_throttle_0123';
const WEBHOOK_SECRET = 'whsec_auth_throttle_0123456789abcdef';
const LIMIT = 10;
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

let redis: Redis;
let app: TestApp;
const logLines: string[] = [];
/** Every call the app makes to the accounts repository: API keys and webhook secrets are read there. */
const accountCalls: string[] = [];

function countingAccounts(repos: Repositories): Repositories {
  const accounts = new Proxy(repos.accounts, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        accountCalls.push(String(prop));
        return value.apply(target, args);
      };
    },
  });
  return { ...repos, accounts };
}

beforeAll(async () => {
  redis = await startTestRedis();
  app = await startTestApp(
    redis.url,
    { ADMIN_PASSWORD, METRICS_TOKEN, WEBHOOK_SECRET, AUTH_FAILURES_PER_MINUTE: String(LIMIT), TRUST_PROXY: 'loopback', LOG_LEVEL: 'info' },
    { repos: countingAccounts(createMemoryRepositories()), logLines },
  );
});

afterAll(async () => {
  await app?.stop();
  await redis?.cleanup();
});

const from = (address: string, headers: Record<string, string> = {}) => ({ 'x-forwarded-for': address, ...headers });
const bogusKey = () => `cf_bogus_${randomBytes(16).toString('hex')}`;
const logged = (msg: string, address: string) =>
  logLines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === msg && l.address === address);

describe('failed admin logins', () => {
  it(`answer 429 after ${LIMIT} per address, are logged twice per window, and leave other addresses alone`, async () => {
    const attacker = '203.0.113.7';
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 40; i++) {
      const res = await fetch(`${app.baseUrl}/admin/queues`, { headers: from(attacker, { authorization: basic('admin', `guess-${i}`) }) });
      statuses.push(res.status);
      if (res.status === 429) {
        retryAfter = res.headers.get('retry-after');
        expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
        expect(await res.json()).toMatchObject({ status: 429, code: 'too_many_failed_authentications' });
      } else await res.arrayBuffer();
    }
    expect(statuses).toEqual([...Array(LIMIT).fill(401), ...Array(40 - LIMIT).fill(429)]);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(retryAfter)).toBeLessThanOrEqual(60);

    // Forty failures, two lines: the window's first failure and the moment the limit is reached.
    expect(logged('failed admin login', attacker)).toEqual([expect.objectContaining({ level: 40, route: '/admin/queues', kind: 'admin', count: 1 })]);
    expect(logged('too many failed authentications from this address: answering 429 until the window ends', attacker)).toEqual([
      expect.objectContaining({ level: 40, count: LIMIT, retryAfterSeconds: expect.any(Number) }),
    ]);
    const all = logLines.join('\n');
    expect(all).not.toMatch(/guess-\d/);
    expect(all).not.toContain(Buffer.from('admin:guess-0').toString('base64'));

    // Even the right password waits while its address is over the limit (nothing is compared) ...
    expect((await fetch(`${app.baseUrl}/admin/queues`, { headers: from(attacker, { authorization: basic('admin', ADMIN_PASSWORD) }) })).status).toBe(429);
    // ... and another address logs in at once.
    const operator = await fetch(`${app.baseUrl}/admin/queues`, { headers: from('203.0.113.8', { authorization: basic('admin', ADMIN_PASSWORD) }) });
    expect(operator.status).toBe(200);
  });

  it('a browser’s first request without credentials is a challenge, not a failure', async () => {
    for (let i = 0; i < LIMIT + 5; i++) {
      const res = await fetch(`${app.baseUrl}/admin/queues`, { headers: from('203.0.113.9') });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic/);
    }
    expect((await fetch(`${app.baseUrl}/admin/queues`, { headers: from('203.0.113.9', { authorization: basic('admin', ADMIN_PASSWORD) }) })).status).toBe(200);
  });

  it('/metrics cannot be used to guess the admin password instead', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 3; i++) {
      const res = await fetch(`${app.baseUrl}/metrics`, { headers: from('203.0.113.10', { authorization: basic('admin', `metrics-guess-${i}`) }) });
      statuses.push(res.status);
      await res.arrayBuffer();
    }
    expect(statuses).toEqual([...Array(LIMIT).fill(401), 429, 429, 429]);
    expect((await fetch(`${app.baseUrl}/metrics`, { headers: from('203.0.113.11', { authorization: `Bearer ${METRICS_TOKEN}` }) })).status).toBe(200);
  });
});

describe('bogus API keys', () => {
  it(`cost a store look-up each only up to ${LIMIT} per address; then 429 without one`, async () => {
    const attacker = '198.51.100.1';
    accountCalls.length = 0;
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      const res = await fetch(`${app.baseUrl}/v1/contacts`, { headers: from(attacker, { authorization: `Bearer ${bogusKey()}` }) });
      statuses.push(res.status);
      if (res.status === 429) expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
      await res.arrayBuffer();
    }
    expect(statuses).toEqual([...Array(LIMIT).fill(401), ...Array(40 - LIMIT).fill(429)]);
    expect(accountCalls).toEqual(Array(LIMIT).fill('findApiKey'));
    // The intake routes refuse the same way, before the body is parsed.
    const intake = await fetch(`${app.baseUrl}/v1/activities`, {
      method: 'POST',
      headers: from(attacker, { authorization: `Bearer ${bogusKey()}`, 'content-type': 'application/json' }),
      body: '{"type":',
    });
    expect(intake.status).toBe(429);
    expect(accountCalls).toHaveLength(LIMIT);

    // A good key from another address is not slowed; from the blocked address it waits too.
    expect((await fetch(`${app.baseUrl}/v1/contacts`, { headers: from('198.51.100.2', { authorization: `Bearer ${app.apiKey}` }) })).status).toBe(200);
    expect((await fetch(`${app.baseUrl}/v1/contacts`, { headers: from(attacker, { authorization: `Bearer ${app.apiKey}` }) })).status).toBe(429);
  });

  it('a request without any credential is refused with 401 but not counted', async () => {
    for (let i = 0; i < LIMIT + 5; i++) {
      expect((await fetch(`${app.baseUrl}/v1/contacts`, { headers: from('198.51.100.3') })).status).toBe(401);
    }
    expect((await fetch(`${app.baseUrl}/v1/contacts`, { headers: from('198.51.100.3', { authorization: `Bearer ${app.apiKey}` }) })).status).toBe(200);
  });

  it('counts an IPv6 client by its /64', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 2; i++) {
      const res = await fetch(`${app.baseUrl}/v1/contacts`, { headers: from(`2001:db8:1:2::${(i + 1).toString(16)}`, { authorization: `Bearer ${bogusKey()}` }) });
      statuses.push(res.status);
      await res.arrayBuffer();
    }
    expect(statuses).toEqual([...Array(LIMIT).fill(401), 429, 429]);
    expect((await fetch(`${app.baseUrl}/v1/contacts`, { headers: from('2001:db8:1:3::1', { authorization: `Bearer ${app.apiKey}` }) })).status).toBe(200);
  });
});

describe('webhooks with bad signatures or unknown accounts', () => {
  it(`cost a secret look-up each only up to ${LIMIT} per address; then 429`, async () => {
    const attacker = '192.0.2.50';
    accountCalls.length = 0;
    const body = Buffer.from(JSON.stringify({ id: 'evt_1', type: 'booking.created' }));
    const sign = (secret: string) => signatureHeaderValue(secret, Math.floor(Date.now() / 1000), body);
    const statuses: number[] = [];
    let lookupsBeforeLimit = 0;
    for (let i = 0; i < 30; i++) {
      if (i === LIMIT) lookupsBeforeLimit = accountCalls.length;
      // A distinct unknown account each time: no cache can answer for it.
      const res = await fetch(`${app.baseUrl}/v1/webhooks/scheduling?account=probe-${i}`, {
        method: 'POST',
        headers: from(attacker, { 'content-type': 'application/json', 'contactflow-signature': sign('whsec_wrong_wrong_wrong_wrong_0000') }),
        body,
      });
      statuses.push(res.status);
      await res.arrayBuffer();
    }
    expect(statuses).toEqual([...Array(LIMIT).fill(401), ...Array(30 - LIMIT).fill(429)]);
    // Each unknown account cost its look-up until the limit; the 429s after it cost none.
    expect(lookupsBeforeLimit).toBeGreaterThanOrEqual(LIMIT);
    expect(accountCalls).toHaveLength(lookupsBeforeLimit);

    // The account's own sender, from another address, is accepted; from the blocked one it waits.
    const signed = (address: string) =>
      fetch(`${app.baseUrl}/v1/webhooks/scheduling?account=${app.account}`, {
        method: 'POST',
        headers: from(address, { 'content-type': 'application/json', 'contactflow-signature': sign(WEBHOOK_SECRET) }),
        body,
      });
    expect((await signed('192.0.2.51')).status).toBe(202);
    expect((await signed(attacker)).status).toBe(429);
  });
});

describe('ADMIN_PORT', () => {
  it('serves /admin and /metrics on their own port only; the API port answers 404 for them', async () => {
    const split = await startTestApp(redis.url, { ADMIN_PASSWORD, METRICS_TOKEN, ADMIN_PORT: '0' });
    try {
      expect(split.adminPort).toEqual(expect.any(Number));
      expect(split.adminPort).not.toBe(split.port);
      const adminBase = `http://127.0.0.1:${split.adminPort}`;
      const admin = { authorization: basic('admin', ADMIN_PASSWORD) };

      for (const pathname of ['/admin/queues', '/admin/accounts', '/metrics']) {
        const res = await fetch(split.baseUrl + pathname, { headers: pathname === '/metrics' ? { authorization: `Bearer ${METRICS_TOKEN}` } : admin });
        expect({ pathname, status: res.status }).toEqual({ pathname, status: 404 });
        expect(await res.json()).toMatchObject({ code: 'route_not_found' });
      }
      expect((await fetch(`${split.baseUrl}/admin/replay`, { method: 'POST', headers: admin })).status).toBe(404);

      expect((await fetch(`${adminBase}/admin/queues`, { headers: admin })).status).toBe(200);
      expect((await fetch(`${adminBase}/admin/queues`)).status).toBe(401);
      expect((await fetch(`${adminBase}/admin/accounts`, { headers: admin })).status).toBe(200);
      const metrics = await fetch(`${adminBase}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toMatch(/^# HELP/m);

      // The API stays on its port alone.
      expect((await fetch(`${adminBase}/v1/contacts`, { headers: { authorization: `Bearer ${split.apiKey}` } })).status).toBe(404);
      expect((await split.request('/v1/contacts')).status).toBe(200);
      expect((await split.request('/healthz', { auth: null })).status).toBe(200);
    } finally {
      await split.stop();
    }
  });
});

describe('ADMIN_PASSWORD in development', () => {
  it('is generated under DATA_DIR, printed with the API key, and opens Bull Board', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'contactflow-devadmin-'));
    const printed: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      printed.push(String(chunk));
      return true;
    });
    let dev: TestApp | undefined;
    try {
      dev = await startTestApp(redis.url, { NODE_ENV: 'development', DATA_DIR: dataDir, BOOTSTRAP_API_KEY: '', LOG_FORMAT: 'json' });
      write.mockRestore();
      const banner = printed.join('');
      const password = /admin password for Bull Board[^\n]*\n\n {2}(\S+)\n/.exec(banner)?.[1];
      expect(password).toBeDefined();
      expect(readFileSync(path.join(dataDir, 'admin-password'), 'utf8').trim()).toBe(password);
      // Next to the API key, after it.
      expect(banner.indexOf('API key')).toBeLessThan(banner.indexOf('admin password'));
      expect((await fetch(`${dev.baseUrl}/admin/queues`, { headers: { authorization: basic('admin', password!) } })).status).toBe(200);
    } finally {
      write.mockRestore();
      await dev?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
