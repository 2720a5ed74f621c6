import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { answersPing, freePort } from '../../src/infra/redis-server';
import { waitFor } from '../support/wait';

/**
 * What a newcomer does: start the service with no configuration at all (no REDIS_URL, no
 * MONGODB_URI, no API key) and follow the README's curl walkthrough against the real process.
 * The embedded Redis path only runs when nothing answers on 6379: we never write into a Redis
 * this test did not start.
 */
const root = path.resolve(__dirname, '../..');
const tsx = path.join(root, 'node_modules/.bin/tsx');

describe('npm start with embedded defaults', () => {
  let child: ChildProcess | undefined;
  let dataDir: string;
  let stdout = '';
  let exitCode: number | null = null;
  let skip = false;

  beforeAll(async () => {
    if (await answersPing('redis://127.0.0.1:6379')) {
      skip = true;
      process.stderr.write('\n⚠ npm-start e2e SKIPPED: a Redis already answers on 127.0.0.1:6379 and this test never uses a Redis it did not start\n\n');
      return;
    }
    dataDir = mkdtempSync(path.join(tmpdir(), 'contactflow-e2e-'));
    const port = await freePort();
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'development', LOG_FORMAT: 'json', PORT: String(port), DATA_DIR: dataDir };
    child = spawn(tsx, ['src/main.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('exit', (code) => (exitCode = code));
    await waitFor(async () => (/contactflow listening/.test(stdout) ? true : exitCode !== null ? Promise.reject(new Error(stdout)) : undefined), {
      timeoutMs: 60_000,
      what: 'the service to listen',
    });
  }, 90_000);

  afterAll(async () => {
    if (child && exitCode === null) child.kill('SIGKILL');
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves the README walkthrough, then shuts down cleanly on SIGTERM', async () => {
    if (skip) return;
    const port = Number(/"port":(\d+)/.exec(stdout)![1]);
    const redisUrl = /"url":"(redis:\/\/127\.0\.0\.1:\d+)"/.exec(stdout)?.[1];
    expect(stdout).toMatch(/started an embedded redis-server/);
    expect(stdout).toMatch(/IN-MEMORY STORE/);
    const key = /\n {2}(cf_[A-Za-z0-9_-]+)\n/.exec(stdout)![1]!;
    expect(readFileSync(path.join(dataDir, 'api-key'), 'utf8').trim()).toBe(key);

    const base = `http://127.0.0.1:${port}`;
    // The banner prints Bull Board's credential next to the API key: a newcomer can open it at once.
    const adminPassword = /admin password for Bull Board[^\n]*\n\n {2}(\S+)\n/.exec(stdout)?.[1];
    expect(adminPassword).toBeDefined();
    expect(readFileSync(path.join(dataDir, 'admin-password'), 'utf8').trim()).toBe(adminPassword);
    expect(adminPassword!.length).toBeGreaterThanOrEqual(16);
    const board = (password: string) =>
      fetch(`${base}/admin/queues`, { headers: { authorization: `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`, connection: 'close' } });
    expect((await board(adminPassword!)).status).toBe(200);
    expect((await board('not the password')).status).toBe(401);
    expect(stdout).not.toMatch(/admin routes are OFF/);
    // The console takes the same printed credentials: the API key for contacts, the password for the admin pages.
    const signIn = (credentials: unknown) =>
      fetch(`${base}/console/session`, { method: 'POST', headers: { 'content-type': 'application/json', origin: base, connection: 'close' }, body: JSON.stringify(credentials) });
    expect(await (await signIn({ adminPassword })).json()).toMatchObject({ kind: 'admin' });
    expect((await signIn({ apiKey: key })).status).toBe(201);
    // connection: close — the server goes away mid-test; no pooled socket should outlive it.
    const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json', connection: 'close' };
    const post = (body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${base}/v1/activities`, { method: 'POST', headers: { ...auth, ...headers }, body: JSON.stringify(body) });

    const activity = { type: 'booking.created', occurredAt: '2026-11-25T09:00:00Z', email: '  Ada.Lovelace@Example.COM ', fields: { company: 'Analytical Engines' } };
    const first = await post(activity, { 'idempotency-key': 'demo-1' });
    expect(first.status).toBe(202);
    const { id } = await first.json();
    const second = await post(activity, { 'idempotency-key': 'demo-1' });
    expect(await second.json()).toEqual({ id, status: 'duplicate' });

    const status = await waitFor(async () => {
      const s = await (await fetch(`${base}/v1/activities/${id}`, { headers: auth })).json();
      return s.status === 'queued' ? undefined : s;
    });
    expect(status.status).toBe('processed');
    const contacts = await (await fetch(`${base}/v1/contacts?email=ada.lovelace@example.com`, { headers: auth })).json();
    expect(contacts.data).toEqual([expect.objectContaining({ id: status.contactId, email: 'ada.lovelace@example.com' })]);

    const anon = await (await post({ type: 'chat.completed', occurredAt: '2026-11-25T09:05:00Z' })).json();
    const anonStatus = await waitFor(async () => {
      const s = await (await fetch(`${base}/v1/activities/${anon.id}`, { headers: auth })).json();
      return s.status === 'queued' ? undefined : s;
    });
    expect(anonStatus).toMatchObject({ status: 'unidentified', contactId: null });

    const malformed = await fetch(`${base}/v1/activities`, { method: 'POST', headers: auth, body: '{"type":' });
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('content-type')).toMatch(/problem\+json/);
    const noKey = await fetch(`${base}/v1/activities`, { method: 'POST', headers: { 'content-type': 'application/json', connection: 'close' }, body: JSON.stringify(activity) });
    expect(noKey.status).toBe(401);

    child!.kill('SIGTERM');
    await waitFor(async () => (exitCode !== null ? true : undefined), { timeoutMs: 20_000, what: 'the process to exit' });
    expect(exitCode).toBe(0);
    // The embedded redis-server is ours: it goes away with the service.
    if (redisUrl) await waitFor(async () => ((await answersPing(redisUrl)) ? undefined : true), { what: 'embedded redis to stop' });
  }, 90_000);
});
