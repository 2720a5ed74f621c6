import { Redis } from 'ioredis';
import { activityIdFor, type ActivitiesQueue, type ActivityJobData } from '../../src/jobs/activities.queue';
import { FAN_OUT, intakeDoneKey, intakeMarkerKey, newIntakeJobId, withIntakeScripts } from '../../src/jobs/intake.queue';
import { idempotencyKey } from '../../src/jobs/idempotency';
import { startRedisServer } from '../../src/infra/redis-server';
import { createMemoryRepositories } from '../../src/repositories/memory';
import { hashApiKey } from '../../src/services/accounts.service';
import { createLogger } from '../../src/shared/logger';
import { createFanOutWorker } from '../../src/workers/fan-out.worker';
import { activityJobCount, intakeFannedOut, startTestApp, type TestApp } from '../support/app';
import { startTestRedis } from '../support/redis';
import { waitFor } from '../support/wait';

/**
 * The intake stage (jobs/intake.queue.ts) through real HTTP and real Redis: activities accepted
 * together share an intake job, answer as before (202 only once stored, `duplicate` for a known
 * id, `queued` in GET /v1/activities/:id), and a worker fans them out into one activities job each,
 * once, however often the fan-out runs.
 */
let redis: Awaited<ReturnType<typeof startTestRedis>>;
let conn: Redis;

beforeAll(async () => {
  redis = await startTestRedis();
  conn = new Redis(redis.url);
});

afterAll(async () => {
  conn?.disconnect();
  await redis?.cleanup();
});

const at = (minute: number) => new Date(Date.UTC(2026, 10, 3, 8, minute)).toISOString();
const OTHER_KEY = 'other_intake_key_0123456789abcdef';

async function markerKeys(app: TestApp): Promise<string[]> {
  return conn.keys(intakeMarkerKey(app.intakeQueue, '*'));
}

describe('intake stage', () => {
  it.each(['inline', 'jobs'])('coalesces concurrent requests into intake jobs, answers duplicates and status from the stage, then processes each once (INTAKE_PROCESSING=%s)', async (mode) => {
    const repos = createMemoryRepositories();
    const prefix = `{is${Date.now().toString(36)}}`;
    // An API process alone: what it accepts stays in the intake stage until a worker comes.
    const api = await startTestApp(redis.url, { ROLE: 'api', REDIS_PREFIX: prefix }, { repos });
    let worker: TestApp | undefined;
    try {
      await repos.accounts.ensure({ id: 'other', name: 'other', defaultCountry: 'US', statuses: ['new'], defaultStatus: 'new', fieldDefinitions: [], createdAt: new Date() });
      await repos.accounts.ensureApiKey({ hash: hashApiKey(OTHER_KEY), account: 'other', label: 'test', createdAt: new Date() });

      const post = (i: number) =>
        api.request('/v1/activities', { method: 'POST', json: { type: 'x', occurredAt: at(i % 60), email: `stage${i}@example.com` }, headers: { 'idempotency-key': `stage-${i}` } });
      const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => post(i)));
      expect(answers.map((r) => r.status)).toEqual(Array(40).fill(202));
      const bodies = (await Promise.all(answers.map((r) => r.json()))) as { id: string; status: string }[];
      expect(bodies.every((b) => b.status === 'queued')).toBe(true);
      expect(new Set(bodies.map((b) => b.id)).size).toBe(40);

      // Stored before the 202, in fewer jobs than requests, and nothing fanned out without a worker.
      const intakeJobs = await api.intakeQueue.getJobs(['waiting']);
      expect(intakeJobs.flatMap((j) => j.data.jobs.map((a) => a.activityId)).sort()).toEqual(bodies.map((b) => b.id).sort());
      expect(intakeJobs.length).toBeLessThan(40);
      expect(await api.queue.getWaitingCount()).toBe(0);

      // Known while in the stage: a redelivery is `duplicate`, the status is `queued` for its own
      // account and not found for another.
      const again = await post(7);
      expect(again.status).toBe(202);
      expect(await again.json()).toEqual({ id: bodies[7]!.id, status: 'duplicate' });
      expect(await (await api.request(`/v1/activities/${bodies[7]!.id}`)).json()).toMatchObject({ status: 'queued' });
      expect((await api.request(`/v1/activities/${bodies[7]!.id}`, { auth: OTHER_KEY })).status).toBe(404);

      // A batch is one intake job of its own.
      const batch = await api.request('/v1/activities/batch', {
        method: 'POST',
        json: { activities: [{ type: 'x', occurredAt: at(1), email: 'b1@example.com' }, { type: 'x', occurredAt: at(2), email: 'b2@example.com' }] },
      });
      expect(batch.status).toBe(202);
      // (+1 for the redelivery: a known id still travels, and its fan-out adds nothing.)
      expect(await api.intakeQueue.getWaitingCount()).toBe(intakeJobs.length + 2);

      // A worker empties the stage: markers gone, all 42 processed once. Inline, the fan-out ran
      // them itself (no activities job); otherwise one activities job each.
      worker = await startTestApp(redis.url, { ROLE: 'worker', REDIS_PREFIX: prefix, INTAKE_PROCESSING: mode }, { repos });
      await intakeFannedOut(api);
      expect(await markerKeys(api)).toEqual([]);
      if (mode === 'jobs') {
        expect(await activityJobCount(api)).toBe(42);
        await waitFor(async () => ((await api.queue.getCompletedCount()) === 42 ? true : undefined), { what: '42 completed activities' });
      } else {
        expect(await activityJobCount(api)).toBe(0);
        expect(await conn.zcard(intakeDoneKey(api.intakeQueue))).toBe(42);
        const [done] = await api.intakeQueue.getCompleted();
        expect(done!.returnvalue).toMatchObject({ processed: done!.data.jobs.length, handedOff: 0 });
      }
      expect(await repos.activities.count(api.account)).toBe(42);
      for (const b of bodies.slice(0, 5)) expect(await api.settled(b.id)).toMatchObject({ status: 'processed' });
      // After the stage, the activities job or the done set answers a redelivery.
      expect(await (await post(7)).json()).toEqual({ id: bodies[7]!.id, status: 'duplicate' });
      expect(await (await api.request(`/v1/activities/${bodies[7]!.id}`, { auth: OTHER_KEY })).status).toBe(404);
    } finally {
      await worker?.stop();
      await api.stop();
    }
  });

  it.each(['inline', 'jobs'])('a redelivery right after the 202 is `duplicate` whatever the fan-out is doing at that moment (INTAKE_PROCESSING=%s)', async (mode) => {
    // Workers running: the second request meets the first one's fan-out at every stage (before
    // the add, between the add and the marker delete, after it). 100 pairs: the window between add
    // and delete answered `queued` in about half of them when CHECK counted "both keys" as unknown.
    const app = await startTestApp(redis.url, { INTAKE_PROCESSING: mode });
    try {
      const answers: string[] = [];
      for (let i = 0; i < 100; i++) {
        const post = () =>
          app.request('/v1/page-views', {
            method: 'POST',
            json: { visitorId: 'v_redeliver', url: 'https://example.com/', viewedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString() },
            headers: { 'idempotency-key': `redeliver-${i}` },
          });
        const first = (await (await post()).json()) as { id: string; status: string };
        const again = (await (await post()).json()) as { id: string; status: string };
        expect(again.id).toBe(first.id);
        answers.push(`${first.status}/${again.status}`);
      }
      expect(answers).toEqual(Array(100).fill('queued/duplicate'));
    } finally {
      await app.stop();
    }
  });

  it('what waits in the stage survives a Redis restart (AOF) and is processed once a worker runs', async () => {
    const own = await startTestRedis();
    let restarted: Awaited<ReturnType<typeof startRedisServer>> | undefined;
    const repos = createMemoryRepositories();
    const prefix = `{rs${Date.now().toString(36)}}`;
    const api = await startTestApp(own.url, { ROLE: 'api', REDIS_PREFIX: prefix, SHUTDOWN_TIMEOUT_MS: '2000' }, { repos });
    let worker: TestApp | undefined;
    try {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await api.request('/v1/activities', { method: 'POST', json: { type: 'x', occurredAt: at(i), email: `restart${i}@example.com` } });
        expect(res.status).toBe(202);
        ids.push((await res.json()).id);
      }
      expect(await api.intakeQueue.getWaitingCount()).toBe(5);

      await own.stop();
      restarted = await startRedisServer({ dir: own.dir, port: own.port });
      worker = await startTestApp(own.url, { ROLE: 'worker', REDIS_PREFIX: prefix }, { repos });
      await waitFor(async () => ((await repos.activities.count(api.account)) === 5 ? true : undefined), { what: 'the 5 staged activities to be recorded' });
      const recorded = await Promise.all(ids.map((id) => repos.activities.findById(api.account, id)));
      expect(recorded.map((r) => r?.outcome)).toEqual(Array(5).fill('processed'));
    } finally {
      await worker?.stop();
      await api.stop();
      await restarted?.stop();
      await own.cleanup();
    }
  });

  it('INTAKE_PROCESSING=jobs: a fan-out worker that dies mid-job (half its activities added, no marker deleted) loses and duplicates nothing', async () => {
    const repos = createMemoryRepositories();
    const prefix = `{fk${Date.now().toString(36)}}`;
    const fast = { WORKER_LOCK_MS: '1000', WORKER_STALLED_INTERVAL_MS: '500' };
    const api = await startTestApp(redis.url, { ROLE: 'api', REDIS_PREFIX: prefix }, { repos });
    const workerConn = new Redis(redis.url, { maxRetriesPerRequest: null });
    let worker: TestApp | undefined;
    try {
      const answers = await Promise.all(
        Array.from({ length: 30 }, (_, i) => api.request('/v1/activities', { method: 'POST', json: { type: 'x', occurredAt: at(i), email: `killed${i % 10}@example.com` } })),
      );
      const ids = (await Promise.all(answers.map((r) => r.json()))).map((b: { id: string }) => b.id);

      // The doomed fan-out adds the first half of its intake job, then never returns.
      let hungWith = 0;
      const halfThenHang = {
        addBulk: async (jobs: Parameters<ActivitiesQueue['addBulk']>[0]) => {
          await api.queue.addBulk(jobs.slice(0, Math.ceil(jobs.length / 2)));
          hungWith = jobs.length;
          return new Promise<never>(() => {});
        },
      } as unknown as ActivitiesQueue;
      const doomed = createFanOutWorker({
        connection: workerConn,
        prefix,
        concurrency: 1,
        activitiesQueue: halfThenHang,
        markerClient: workerConn,
        logger: createLogger('silent'),
        lockDurationMs: 1000,
        stalledIntervalMs: 500,
      });
      void doomed.run();
      await waitFor(async () => (hungWith > 0 ? true : undefined), { what: 'the fan-out to hang mid-job' });
      // "SIGKILL": it stops without finishing or releasing its intake job.
      await doomed.close(true);

      // A real worker takes the stalled intake job over once its lock expires.
      worker = await startTestApp(redis.url, { ROLE: 'worker', REDIS_PREFIX: prefix, INTAKE_PROCESSING: 'jobs', ...fast }, { repos });
      await waitFor(async () => ((await api.queue.getCompletedCount()) === 30 ? true : undefined), { timeoutMs: 20_000, what: 'all 30 activities to complete' });
      await intakeFannedOut(api);
      expect(await activityJobCount(api)).toBe(30);
      expect((await api.intakeQueue.getJobCounts('failed')).failed).toBe(0);
      expect(await markerKeys(api)).toEqual([]);
      const recorded = await Promise.all(ids.map((id) => repos.activities.findById(api.account, id)));
      expect(recorded.every((r) => r?.outcome === 'processed')).toBe(true);
      // 30 activities over 10 people: exactly 10 contacts.
      expect(await repos.contacts.count(api.account)).toBe(10);
      const contacts = await Promise.all(Array.from({ length: 10 }, (_, i) => repos.contacts.findByEmail(api.account, `killed${i}@example.com`)));
      expect(contacts.every((c) => c !== null)).toBe(true);
    } finally {
      await worker?.stop();
      await api.stop();
      workerConn.disconnect();
    }
  }, 30_000);

  it.each(['inline', 'jobs'])('a fan-out that runs twice (retry, stalled job taken over) records each activity once (INTAKE_PROCESSING=%s)', async (mode) => {
    const app = await startTestApp(redis.url, { INTAKE_PROCESSING: mode });
    try {
      const job = (i: number): ActivityJobData => ({
        kind: 'activity',
        account: app.account,
        activityId: activityIdFor(app.account, idempotencyKey({ kind: 'client', key: `twice-${i}` })),
        receivedAt: new Date().toISOString(),
        payload: { type: 'x', occurredAt: at(i), email: `twice${i}@example.com` },
      });
      const jobs = [job(1), job(2), job(3)];
      // The same activities in two intake jobs: what a fan-out re-run after a crash amounts to.
      await app.intakeQueue.add(FAN_OUT, { jobs }, { jobId: newIntakeJobId() });
      await app.intakeQueue.add(FAN_OUT, { jobs: [jobs[2]!, jobs[0]!] }, { jobId: newIntakeJobId() });
      expect(await activityJobCount(app)).toBe(mode === 'jobs' ? 3 : 0);
      for (const j of jobs) expect(await app.settled(j.activityId)).toMatchObject({ status: 'processed' });
      const recorded = await Promise.all(jobs.map((j) => app.repos.activities.findById(app.account, j.activityId)));
      expect(recorded.every((r) => r?.outcome === 'processed')).toBe(true);
      expect((await app.intakeQueue.getJobCounts('completed', 'failed')).failed).toBe(0);
      expect(await app.repos.activities.count(app.account)).toBe(3);
      expect(await app.repos.contacts.count(app.account)).toBe(3);
    } finally {
      await app.stop();
    }
  });

  it('inline: one intake job of many people, each written several ways, runs in concurrent lanes and still gives one contact per person', async () => {
    const app = await startTestApp(redis.url, { INTAKE_PROCESSING: 'inline' });
    try {
      // Three spellings of each person's phone: the lanes read raw values, so they put the spellings
      // in different lanes and the use case races itself on one contact, as concurrent workers do.
      const spellings = (p: number) => [`+1 415 555 01${p}0`, `(415) 555-01${p}0`, `415.555.01${p}0`];
      const jobs: ActivityJobData[] = [];
      for (let i = 0; i < 60; i++) {
        const p = i % 6;
        jobs.push({
          kind: 'activity',
          account: app.account,
          activityId: activityIdFor(app.account, idempotencyKey({ kind: 'client', key: `lanes-${i}` })),
          receivedAt: new Date().toISOString(),
          payload: { type: 'chat.message', occurredAt: at(i % 50), phone: spellings(p)[Math.floor(i / 6) % 3], fields: { seq: String(i) } },
        });
      }
      await app.intakeQueue.add(FAN_OUT, { jobs }, { jobId: newIntakeJobId() });
      await intakeFannedOut(app);

      const [done] = await app.intakeQueue.getCompleted();
      expect(done!.returnvalue).toEqual({ activities: 60, processed: 60, handedOff: 0 });
      expect(await app.repos.contacts.count(app.account)).toBe(6);
      expect(await app.repos.activities.count(app.account, { outcome: 'processed' })).toBe(60);
      for (let p = 0; p < 6; p++) {
        const [contact, ...others] = await app.repos.contacts.findByPhone(app.account, `+141555501${p}0`, 5);
        expect(others).toEqual([]);
        const recorded = await app.repos.activities.listForContact(app.account, contact!.id, 100);
        expect(recorded.map((a) => a.id).sort()).toEqual(jobs.filter((_, i) => i % 6 === p).map((j) => j.activityId).sort());
      }
    } finally {
      await app.stop();
    }
  });

  it('inline: an activity that fails is handed to the activities queue (failed set, status, replay); the rest of its intake job is processed', async () => {
    const app = await startTestApp(redis.url, { ADMIN_PASSWORD: 'admin password for this test', METRICS_TOKEN: 'metrics-token-0123456789' });
    try {
      const item = (account: string, i: number): ActivityJobData => ({
        kind: 'activity',
        account,
        activityId: activityIdFor(account, idempotencyKey({ kind: 'client', key: `handoff-${i}` })),
        receivedAt: new Date().toISOString(),
        payload: { type: 'x', occurredAt: at(i), email: `handoff${i}@example.com` },
      });
      // The middle one belongs to an account that does not exist yet: a permanent failure.
      const jobs = [item(app.account, 1), item('later', 2), item(app.account, 3)];
      await app.intakeQueue.add(FAN_OUT, { jobs }, { jobId: newIntakeJobId() });
      await intakeFannedOut(app);

      const [done] = await app.intakeQueue.getCompleted();
      expect(done!.returnvalue).toEqual({ activities: 3, processed: 2, handedOff: 1 });
      expect(await app.repos.activities.count(app.account)).toBe(2);
      const failed = await waitFor(async () => {
        const job = await app.queue.getJob(jobs[1]!.activityId);
        return job && (await job.getState()) === 'failed' ? job : undefined;
      }, { what: 'the handed-off activity to fail in the activities queue' });
      expect(failed.failedReason).toBe('unknown_account: account later does not exist');
      expect(failed.attemptsMade).toBe(1);
      // Only its two neighbours are in the done set; the failed job answers for the third.
      expect(await conn.zrange(intakeDoneKey(app.intakeQueue), '0', '-1')).toEqual([jobs[0]!.activityId, jobs[2]!.activityId].sort());
      expect(await markerKeys(app)).toEqual([]);
      const metrics = await (await fetch(`${app.baseUrl}/metrics`, { headers: { authorization: 'Bearer metrics-token-0123456789' } })).text();
      expect(metrics).toMatch(/^contactflow_activities_handed_off_total\{reason="unknown_account"\} 1$/m);

      // The operator's fix (create the account), then the usual replay.
      await app.repos.accounts.ensure({ id: 'later', name: 'Later', defaultCountry: 'US', statuses: ['new'], defaultStatus: 'new', fieldDefinitions: [], createdAt: new Date() });
      const replay = await fetch(`${app.baseUrl}/admin/replay`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from('admin:admin password for this test').toString('base64')}`, 'content-type': 'application/json' },
        body: JSON.stringify({ reason: 'unknown_account' }),
      });
      expect(await replay.json()).toMatchObject({ matched: 1, replayed: 1 });
      await waitFor(async () => ((await app.repos.activities.findById('later', jobs[1]!.activityId))?.outcome === 'processed' ? true : undefined), {
        what: 'the replayed activity to be recorded',
      });
    } finally {
      await app.stop();
    }
  });

  it('the done set answers for inline-processed ids within its window: trimmed by age and by count', async () => {
    const app = await startTestApp(redis.url, { ROLE: 'api' }, { repos: createMemoryRepositories() });
    try {
      const scripts = withIntakeScripts(conn);
      const done = intakeDoneKey(app.intakeQueue);
      const marker = (id: string) => intakeMarkerKey(app.intakeQueue, id);
      const day = 24 * 3600 * 1000;
      const [seconds] = await conn.time();
      const now = Number(seconds) * 1000;
      await conn.set(marker('act_b'), app.account);
      // Two ids done two days ago (by Redis's clock), then three now with a cap of 3: the old ones go by age...
      await conn.zadd(done, now - 2 * day, 'act_old1', now - 2 * day, 'act_old2');
      await scripts.contactflowIntakeDone(2, done, marker('act_b'), day, 3, 'act_a', 'act_b', 'act_c');
      expect(await conn.zrange(done, '0', '-1')).toEqual(['act_a', 'act_b', 'act_c']);
      expect(await conn.exists(marker('act_b'))).toBe(0);
      // ...and past the cap the oldest go first.
      await new Promise((r) => setTimeout(r, 5));
      await scripts.contactflowIntakeDone(1, done, day, 3, 'act_d');
      expect(await conn.zrange(done, '0', '-1')).toEqual(['act_b', 'act_c', 'act_d']);

      // CHECK counts a done entry as known; one that left the window is unknown again.
      const check = (id: string) => scripts.contactflowIntakeCheck(3, done, app.queue.toKey(id), marker(id), id);
      expect(await check('act_d')).toEqual([1]);
      expect(await check('act_a')).toEqual([0]);
    } finally {
      await conn.del(intakeDoneKey(app.intakeQueue));
      await app.stop();
    }
  });

  it('markers are written only for an intake job Redis really stored', async () => {
    const app = await startTestApp(redis.url, { ROLE: 'api' }, { repos: createMemoryRepositories() });
    try {
      const scripts = withIntakeScripts(conn);
      const marker = intakeMarkerKey(app.intakeQueue, 'act_' + '0'.repeat(32));
      // No such intake job (its add failed): no marker, so a client's retry is not answered `duplicate`.
      expect(await scripts.contactflowIntakeMark(2, app.intakeQueue.toKey(newIntakeJobId()), marker, 60, app.account)).toBe(0);
      expect(await conn.exists(marker)).toBe(0);
      // A stored one: the marker carries its account and a TTL.
      const id = newIntakeJobId();
      await app.intakeQueue.add(FAN_OUT, { jobs: [] }, { jobId: id });
      expect(await scripts.contactflowIntakeMark(2, app.intakeQueue.toKey(id), marker, 60, app.account)).toBe(1);
      expect(await conn.get(marker)).toBe(app.account);
      expect(await conn.ttl(marker)).toBeGreaterThan(0);
    } finally {
      await app.stop();
    }
  });

  it('an intake job that is not an intake job fails at once and stays for inspection', async () => {
    const app = await startTestApp(redis.url);
    try {
      await app.intakeQueue.add(FAN_OUT, { jobs: [{ activityId: 'not-an-id' }] } as never, { jobId: newIntakeJobId() });
      await waitFor(async () => ((await app.intakeQueue.getFailedCount()) === 1 ? true : undefined), { what: 'the bad intake job to fail' });
      const [failed] = await app.intakeQueue.getFailed();
      expect(failed!.failedReason).toMatch(/^invalid_job/);
      expect(failed!.attemptsMade).toBe(1);
      await intakeFannedOut(app);
    } finally {
      await app.stop();
    }
  });
});
