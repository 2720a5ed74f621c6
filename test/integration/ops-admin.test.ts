import { spawn } from 'node:child_process';
import path from 'node:path';
import { activityIdFor, PROCESS_ACTIVITY, type ActivityJobData } from '../../src/jobs/activities.queue';
import { activityRecord } from '../support/activity-record';
import { forgetProcessed, startTestApp, type TestApp } from '../support/app';
import { startTestRedis } from '../support/redis';
import { waitFor } from '../support/wait';

type Redis = Awaited<ReturnType<typeof startTestRedis>>;

const ADMIN_PASSWORD = 'correct horse battery staple';
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const ADMIN = basic('admin', ADMIN_PASSWORD);

let redis: Redis;
let app: TestApp;

beforeAll(async () => {
  redis = await startTestRedis();
  app = await startTestApp(redis.url, { ADMIN_PASSWORD });
});

afterAll(async () => {
  await app?.stop();
  await redis?.cleanup();
});

/** The suite's app, under a name a test can use while it shadows `app` with its own. */
const shared = () => app;
const at = (minute: number) => new Date(Date.UTC(2026, 10, 2, 9, minute)).toISOString();

/** Admin calls go without the API key: the admin credential is the only one that counts there. */
function admin(pathname: string, init: RequestInit & { json?: unknown; authorization?: string | null } = {}, target: TestApp = app) {
  const { json, authorization = ADMIN, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (authorization) headers.set('authorization', authorization);
  if (json !== undefined) headers.set('content-type', 'application/json');
  return fetch(target.baseUrl + pathname, { ...rest, headers, body: json !== undefined ? JSON.stringify(json) : rest.body });
}

const replay = async (body: unknown, target: TestApp = app) => {
  const res = await admin('/admin/replay', { method: 'POST', json: body }, target);
  return { status: res.status, body: await res.json() };
};

/**
 * The deliberate failure: jobs for an account that is not provisioned yet fail permanently with
 * `unknown_account`. The operator's fix is to create the account; replay then builds the contacts.
 */
async function enqueueForAccount(account: string, key: string, body: Record<string, unknown>) {
  const data: ActivityJobData = { kind: 'activity', account, activityId: activityIdFor(account, key), receivedAt: new Date().toISOString(), payload: body };
  await app.queue.add(PROCESS_ACTIVITY, app.sealer.seal(data), { jobId: data.activityId });
  return data.activityId;
}

async function failedWith(code: string, n: number) {
  return waitFor(async () => {
    const failed = await app.queue.getFailed();
    const matching = failed.filter((j) => j.failedReason?.startsWith(`${code}:`));
    return matching.length >= n ? matching : undefined;
  }, { what: `${n} jobs failed with ${code}` });
}

describe('Bull Board', () => {
  it('answers 401 with a Basic challenge without the admin credential', async () => {
    for (const authorization of [null, basic('admin', 'wrong'), basic('root', ADMIN_PASSWORD), `Bearer ${app.apiKey}`]) {
      const res = await admin('/admin/queues', { authorization });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
      expect(await res.json()).toMatchObject({ code: 'unauthorized' });
    }
  });

  it('serves the UI and lists the activities queue with the credential', async () => {
    const ui = await admin('/admin/queues');
    expect(ui.status).toBe(200);
    expect(ui.headers.get('content-type')).toMatch(/text\/html/);
    // An HTML page: helmet's page policy (scripts from self), not the JSON API's default-src 'none'.
    expect(ui.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(ui.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(await ui.text()).toContain('static/js/');

    const api = await admin('/admin/queues/api/queues');
    expect(api.status).toBe(200);
    const body = await api.json();
    expect(body.queues.map((q: { name: string }) => q.name)).toContain('activities');
  });

  it('lists every accepted activity as its own job, under its activity id, with its outcome once done', async () => {
    const accepted = await Promise.all(
      ['one', 'two', 'three'].map(async (who) => {
        const res = await app.request('/v1/activities', { method: 'POST', json: { type: 'booked', occurredAt: at(1), email: `${who}@bullboard.example` } });
        return (await res.json()).id as string;
      }),
    );
    const batch = await app.request('/v1/activities/batch', {
      method: 'POST',
      json: { activities: [{ type: 'booked', occurredAt: at(2), email: 'four@bullboard.example' }, { type: 'booked', occurredAt: at(2), email: 'five@bullboard.example' }] },
    });
    accepted.push(...(await batch.json()).results.map((r: { id: string }) => r.id));
    const settled = await Promise.all(accepted.map((id) => app.settled(id)));

    for (const [i, id] of accepted.entries()) {
      const res = await admin(`/admin/queues/api/queues/activities/${id}`);
      expect(res.status).toBe(200);
      const { job } = await res.json();
      expect(job.id).toBe(id);
      expect(job.returnValue).toMatchObject({ outcome: 'processed', contactId: settled[i]!.contactId, resolution: 'created' });
    }
  });

  it('shows a job with its payload sealed: ids and kind in clear, no email, the payload as its size', async () => {
    const res0 = await app.request('/v1/activities', { method: 'POST', json: { type: 'booked', occurredAt: at(3), email: 'masked.person@bullboard.example', phone: '+1 415 555 0199' } });
    const { id } = await res0.json();
    await app.settled(id);
    const res = await admin(`/admin/queues/api/queues/activities/${id}`);
    const { job } = await res.json();
    expect(job.data).toMatchObject({ kind: 'activity', account: app.account, activityId: id, payload: expect.stringMatching(/^\[sealed, \d+ characters\]$/) });
    expect(job.data).not.toHaveProperty('sealed');
    expect(JSON.stringify(job)).not.toMatch(/masked\.person|4155550199|555 0199/);
    // In Redis itself the job hash holds the sealed text, not the body.
    const raw = await (app.queue.opts.connection as import('ioredis').Redis).hget(app.queue.toKey(id), 'data');
    expect(raw).toContain('"sealed":"v1.');
    expect(raw).not.toMatch(/masked\.person|4155550199/);
  });

  it('is read-only: no job can be added, edited, retried, cleaned or a queue obliterated through it', async () => {
    const before = await app.queue.getJobCounts('waiting', 'delayed', 'failed', 'completed');
    const writes: [string, string][] = [
      ['POST', '/admin/queues/api/queues/activities/add'],
      ['PUT', '/admin/queues/api/queues/activities/retry/failed'],
      ['PUT', '/admin/queues/api/queues/activities/clean/completed'],
      ['PUT', '/admin/queues/api/queues/activities/obliterate'],
      ['PUT', '/admin/queues/api/queues/activities/empty'],
      ['PUT', '/admin/queues/api/queues/activities/pause'],
      ['PATCH', '/admin/queues/api/queues/activities/some-job/update-data'],
      ['PUT', '/admin/queues/api/queues/pause'],
    ];
    for (const [method, pathname] of writes) {
      const res = await admin(pathname, { method, json: { name: 'x', data: { account: 'other' } } });
      expect({ method, pathname, status: res.status }).toEqual({ method, pathname, status: 405 });
      expect(await res.json()).toMatchObject({ code: 'read_only' });
    }
    expect(await app.queue.getJobCounts('waiting', 'delayed', 'failed', 'completed')).toEqual(before);
    expect(await app.queue.isPaused()).toBe(false);
    // The UI is told too, so it shows no write buttons.
    const { queues } = await (await admin('/admin/queues/api/queues')).json();
    expect(queues.find((q: { name: string }) => q.name === 'activities')).toMatchObject({ readOnlyMode: true });
  });

  it('refuses a cross-site write made with cached admin credentials (a text/plain form post), and takes the same call from curl', async () => {
    const crossSite = await admin('/admin/replay', {
      method: 'POST',
      headers: { 'content-type': 'text/plain', origin: 'https://attacker.example', 'sec-fetch-site': 'cross-site' },
      body: '{"reason":"unknown_account"}',
    });
    expect(crossSite.status).toBe(403);
    expect(await crossSite.json()).toMatchObject({ code: 'cross_origin' });
    const otherOrigin = await admin('/admin/replay', { method: 'POST', headers: { origin: 'http://evil.example' }, json: { dryRun: true } });
    expect(otherOrigin.status).toBe(403);
    const sameOrigin = await admin('/admin/replay', { method: 'POST', headers: { origin: app.baseUrl, 'sec-fetch-site': 'same-origin' }, json: { dryRun: true } });
    expect(sameOrigin.status).toBe(200);
    const tool = await admin('/admin/replay', { method: 'POST', json: { dryRun: true } });
    expect(tool.status).toBe(200);
  });

  it('shows a failed job with a readable `code: message` reason and no PII', async () => {
    const id = await enqueueForAccount('nobody', 'bb-1', { type: 'x', occurredAt: at(0), email: 'secret.person@example.com' });
    await failedWith('unknown_account', 1);
    const res = await admin(`/admin/queues/api/queues/activities/${id}`);
    expect(res.status).toBe(200);
    const { job } = await res.json();
    expect(job.failedReason).toBe('unknown_account: account nobody does not exist');
    // The stack keeps code frames for debugging, but its message is the masked reason.
    expect(JSON.stringify(job.stacktrace ?? [])).not.toMatch(/secret\.person|example\.com/);
  });
});

describe('POST /admin/replay', () => {
  it('requires the admin credential and validates the body', async () => {
    expect((await admin('/admin/replay', { method: 'POST', json: {}, authorization: null })).status).toBe(401);
    const bad = await replay({ since: 'yesterday', dryRun: 'yes', extra: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path)).toEqual(expect.arrayContaining(['since', 'dryRun']));
    const reversed = await replay({ since: at(10), until: at(0) });
    expect(reversed.status).toBe(400);
  });

  it('replays failed jobs after the fix: dry run counts, replay builds contacts, a second replay changes nothing', async () => {
    const emails = ['ann@acme.test', 'bob@acme.test', 'cy@acme.test'];
    const ids = await Promise.all(emails.map((email, i) => enqueueForAccount('acme', `acme-${i}`, { type: 'signup', occurredAt: at(i), email })));
    // A different failure that this replay must leave alone.
    await app.queue.add(PROCESS_ACTIVITY, { kind: 'activity', account: 'acme' } as never, { jobId: 'broken-1' });
    await failedWith('unknown_account', 3);
    await failedWith('invalid_job', 1);

    const dry = await replay({ reason: 'UNKNOWN_ACCOUNT', jobIds: ids, dryRun: true });
    expect(dry).toEqual({ status: 200, body: expect.objectContaining({ matched: 3, replayed: 0, dryRun: true }) });
    expect(await app.queue.getJobCounts('waiting', 'active', 'delayed')).toEqual({ waiting: 0, active: 0, delayed: 0 });
    for (const id of ids) expect(await (await app.queue.getJob(id))!.getState()).toBe('failed');

    // Nothing matches outside the time range.
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect((await replay({ reason: 'unknown_account', since: future })).body).toMatchObject({ matched: 0, replayed: 0 });

    // The fix: provision the account.
    await app.repos.accounts.ensure({ id: 'acme', name: 'Acme', defaultCountry: 'US', statuses: ['new'], defaultStatus: 'new', fieldDefinitions: [], createdAt: new Date() });

    const first = await replay({ reason: 'unknown_account', jobIds: ids });
    expect(first.body).toMatchObject({ matched: 3, replayed: 3, dryRun: false, failed: { matched: 3, replayed: 3 } });
    for (const email of emails) {
      await waitFor(() => app.repos.contacts.findByEmail('acme', email).then((c) => c ?? undefined), { what: `contact ${email}` });
    }
    await waitFor(async () => ((await app.queue.getJobCounts('completed')).completed! >= 3 ? true : undefined));
    const contacts = await app.repos.contacts.count('acme');
    const logs = await app.queue.getJobLogs(ids[0]!);
    expect(logs.logs.join('\n')).toMatch(/previous failure: unknown_account/);

    const second = await replay({ reason: 'unknown_account', jobIds: ids });
    expect(second.body).toMatchObject({ matched: 0, replayed: 0 });
    expect(await app.repos.contacts.count('acme')).toBe(contacts);
    expect(await (await app.queue.getJob('broken-1'))!.getState()).toBe('failed');
  });

  it('re-runs unidentified activities over their stored raw payload, once the mapping can identify them', async () => {
    // Recorded as unidentified by an older mapping that could not read the email, although the
    // raw payload carries one; its job has long left Redis.
    const id = 'act_' + 'a'.repeat(32);
    await app.repos.activities.insert(
      activityRecord({
        id,
        account: app.account,
        type: 'chat.completed',
        source: 'chat',
        occurredAt: new Date(at(20)),
        processedAt: new Date(at(21)),
        outcome: 'unidentified',
        warnings: ['no_identifier: old mapping'],
        payload: { type: 'chat.completed', occurredAt: at(20), email: 'late@example.com' },
      }),
    );

    const dry = await replay({ includeUnidentified: true, reason: 'no_identifier', dryRun: true });
    expect(dry.body).toMatchObject({ dryRun: true, unidentified: { matched: 1, replayed: 0 } });
    expect(await app.queue.getJob(id)).toBeUndefined();

    const run = await replay({ includeUnidentified: true, reason: 'no_identifier' });
    expect(run.body).toMatchObject({ unidentified: { matched: 1, replayed: 1 } });
    // The record says unidentified until the re-run replaces it.
    const settled = await waitFor(async () => {
      const s = await app.settled(id);
      return s.status === 'unidentified' ? undefined : s;
    }, { what: 'the reprocessed activity' });
    expect(settled).toMatchObject({ status: 'processed', contactId: expect.stringMatching(/^ct_/) });
    expect((await app.repos.contacts.findByEmail(app.account, 'late@example.com'))?.id).toBe(settled.contactId);

    const again = await replay({ includeUnidentified: true, reason: 'no_identifier' });
    expect(again.body).toMatchObject({ matched: 0, replayed: 0 });
  });

  // Redis keeps a completed job for a day (it is re-run in place); after that the replay rebuilds
  // the job from the stored raw payload under the same id.
  it.each(['kept', 'forgotten'])('re-runs an unidentified activity whose job Redis has %s, and it stays unidentified while nothing changed', async (job) => {
    const app = shared();
    const res = await app.request('/v1/activities', { method: 'POST', json: { type: 'chat', occurredAt: at(30), source: job, email: 'not-an-email' } });
    const { id } = await res.json();
    await app.settled(id);
    const before = (await app.repos.activities.findById(app.account, id))!;
    const firstJob = (await app.queue.getJob(id))!;
    expect(await firstJob.getState()).toBe('completed');
    if (job === 'forgotten') await forgetProcessed(app, id);
    const firstFinish = job === 'kept' ? firstJob.finishedOn : undefined;

    const run = await replay({ includeUnidentified: true, jobIds: [id] }, app);
    expect(run.body).toMatchObject({ unidentified: { matched: 1, replayed: 1 } });
    await waitFor(async () => {
      const rerun = await app.queue.getJob(id);
      return rerun?.finishedOn && rerun.finishedOn !== firstFinish && (await rerun.getState()) === 'completed' ? rerun : undefined;
    }, { what: 'the re-run to finish' });
    const after = (await app.repos.activities.findById(app.account, id))!;
    expect(after).toMatchObject({ outcome: 'unidentified', contactId: null });
    expect(after.processedAt.getTime()).toBeGreaterThanOrEqual(before.processedAt.getTime());
  });

  it('the CLI runs the same replay (dry run, JSON on stdout)', async () => {
    await failedWith('invalid_job', 1);
    const child = spawn(path.resolve('node_modules/.bin/tsx'), ['src/cli/replay.ts', '--reason', 'invalid_job', '--dry-run'], {
      env: { ...process.env, NODE_ENV: 'test', REDIS_URL: redis.url, REDIS_PREFIX: app.config.REDIS_PREFIX, LOG_LEVEL: 'silent', MONGODB_URI: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect({ code, stderr }).toMatchObject({ code: 0 });
    expect(JSON.parse(stdout)).toMatchObject({ matched: 1, replayed: 0, dryRun: true });
    expect(stderr).toMatch(/scanning failed jobs/);
    expect(await (await app.queue.getJob('broken-1'))!.getState()).toBe('failed');
  });
});

describe('without ADMIN_PASSWORD', () => {
  it('admin routes (and /metrics without METRICS_TOKEN) are off and say so', async () => {
    const plain = await startTestApp(redis.url);
    try {
      const res = await fetch(`${plain.baseUrl}/admin/queues`, { headers: { authorization: ADMIN } });
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ code: 'admin_disabled' });
      expect((await fetch(`${plain.baseUrl}/admin/replay`, { method: 'POST' })).status).toBe(404);
      // Nor is there a credential for /metrics: it is off too, rather than open.
      const metrics = await fetch(`${plain.baseUrl}/metrics`);
      expect(metrics.status).toBe(404);
      expect(await metrics.json()).toMatchObject({ code: 'metrics_disabled' });
    } finally {
      await plain.stop();
    }
  });
});
