import { randomBytes } from 'node:crypto';
import { freePort } from '../../src/infra/redis-server';
import { createMongoRepositories } from '../../src/repositories/mongo';
import type { Repositories } from '../../src/repositories';
import { obtainMongo, probeMongo, uniqueDbName, warnMongoSkipped, type ObtainedMongo } from '../support/mongo';
import { spawnService, waitForLog, withDbName, type ServiceProcess } from '../support/processes';
import { startTestRedis } from '../support/redis';
import { waitFor } from '../support/wait';
import { makeWorkload, pool, postActivity } from '../support/workload';

/**
 * The multi-process variant of exactly-once.test.ts: one API process and three worker processes
 * share one MongoDB and one Redis; one worker is SIGKILLed mid-run and replaced. Needs a mongod
 * (MONGODB_URI or MONGOMS_SYSTEM_BINARY): the in-memory store cannot be shared between processes.
 */
const availability = probeMongo();
const describeMongo = 'skipped' in availability ? describe.skip : describe;
if ('skipped' in availability) warnMongoSkipped(availability.skipped);

describeMongo('exactly once across processes (MongoDB)', () => {
  const API_KEY = `k_${randomBytes(16).toString('hex')}`;
  let mongo: ObtainedMongo;
  let redis: Awaited<ReturnType<typeof startTestRedis>>;
  let repos: Repositories;
  let uri: string;
  const procs: ServiceProcess[] = [];

  beforeAll(async () => {
    const obtained = await obtainMongo();
    if ('skipped' in obtained) throw new Error(`MongoDB became unavailable: ${obtained.skipped}`);
    mongo = obtained;
    uri = withDbName(mongo.uri, uniqueDbName('contactflow_procs'));
    redis = await startTestRedis();
    repos = await createMongoRepositories(uri);
  }, 180_000);

  afterAll(async () => {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await repos?.close();
    await redis?.cleanup();
    await mongo?.stop();
  });

  it('1 API + 3 workers, one SIGKILLed and restarted: 100 contacts, 1,000 activities, nothing failed', async () => {
    const env = {
      NODE_ENV: 'test',
      REDIS_URL: redis.url,
      REDIS_PREFIX: `{p${randomBytes(4).toString('hex')}}`,
      MONGODB_URI: uri,
      STORE: 'mongodb',
      BOOTSTRAP_API_KEY: API_KEY,
      WORKER_CONCURRENCY: '8',
      WORKER_LOCK_MS: '2000',
      WORKER_STALLED_INTERVAL_MS: '1000',
      JOB_BACKOFF_MS: '100',
      JOB_ATTEMPTS: '20',
      LOG_LEVEL: 'info',
    };
    const port = await freePort();
    const api = spawnService({ ...env, ROLE: 'api', PORT: String(port) });
    procs.push(api);
    await waitForLog(api, /contactflow listening/);
    const workers = [];
    for (let i = 0; i < 3; i++) {
      const w = spawnService({ ...env, ROLE: 'worker', PORT: String(await freePort()) });
      procs.push(w);
      workers.push(w);
    }
    await Promise.all(workers.map((w) => waitForLog(w, /worker running|listening/)));

    const workload = makeWorkload({ count: 1000, emails: 100, duplicates: 200 });
    const base = `http://127.0.0.1:${port}`;
    let sent = 0;
    const posting = pool(workload.items, 16, async (item) => {
      await postActivity(base, API_KEY, item);
      sent++;
    });
    await waitFor(async () => (sent > 300 ? true : undefined));
    workers[0]!.child.kill('SIGKILL');
    const replacement = spawnService({ ...env, ROLE: 'worker', PORT: String(await freePort()) });
    procs.push(replacement);
    await posting;

    await waitFor(async () => ((await repos.activities.count('default')) === workload.distinctKeys ? true : undefined), {
      timeoutMs: 120_000,
      what: 'every activity to be recorded',
    });
    expect(await repos.contacts.count('default')).toBe(workload.emails);
    for (let p = 0; p < workload.emails; p++) {
      const c = await repos.contacts.findByEmail('default', `person${p}@example.com`);
      expect(c?.fields.seq?.value).toBe(workload.expectedSeq(p));
    }
    const status = await (await fetch(`${base}/metrics`)).status;
    expect([401, 404]).toContain(status); // metrics stay closed without a credential
  }, 300_000);
});
