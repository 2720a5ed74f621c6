import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { parseConfig, type Config } from '../../src/config';
import type { Repositories } from '../../src/repositories';
import { intakeDoneKey } from '../../src/jobs/intake.queue';
import { createLogger } from '../../src/shared/logger';
import { startContactflow, type Contactflow, type StartOptions } from '../../src/start';
import { waitFor } from './wait';

export const TEST_API_KEY = 'test_key_0123456789abcdefghijkl';

export interface TestApp extends Contactflow {
  baseUrl: string;
  /** fetch against the app with the bootstrap key unless `auth: null`. */
  request(path: string, init?: RequestInit & { auth?: string | null; json?: unknown }): Promise<Response>;
  /** Waits until GET /v1/activities/:id leaves "queued". */
  settled(id: string): Promise<{ id: string; status: string; contactId: string | null; warnings: string[] }>;
}

/**
 * The real app (real HTTP on port 0, real Redis, real BullMQ worker) with a unique key prefix,
 * so suites sharing a Redis never see each other's jobs.
 */
export async function startTestApp(
  redisUrl: string,
  env: Record<string, string> = {},
  options: StartOptions & { repos?: Repositories } = {},
): Promise<TestApp> {
  const config: Config = parseConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    REDIS_URL: redisUrl,
    REDIS_PREFIX: `{t${randomBytes(4).toString('hex')}}`,
    STORE: 'memory',
    BOOTSTRAP_API_KEY: TEST_API_KEY,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    JOB_ATTEMPTS: '3',
    ...env,
  });
  const app = await startContactflow(config, createLogger(config.LOG_LEVEL), options);
  const baseUrl = `http://127.0.0.1:${app.port}`;
  const request: TestApp['request'] = (path, init = {}) => {
    const { auth = TEST_API_KEY, json, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (auth) headers.set('authorization', `Bearer ${auth}`);
    if (json !== undefined) headers.set('content-type', 'application/json');
    return fetch(baseUrl + path, { ...rest, headers, body: json !== undefined ? JSON.stringify(json) : rest.body });
  };
  return {
    ...app,
    baseUrl,
    request,
    settled: (id) =>
      waitFor(
        async () => {
          const res = await request(`/v1/activities/${id}`);
          if (res.status !== 200) return undefined;
          const body = (await res.json()) as { id: string; status: string; contactId: string | null; warnings: string[] };
          return body.status === 'queued' ? undefined : body;
        },
        { what: `activity ${id} to settle` },
      ),
  };
}

/**
 * Waits until the intake stage is empty: every accepted activity was processed inline or has its
 * own activities job (or never will, when no worker runs: then this times out, so only call it with
 * a worker running).
 */
export async function intakeFannedOut(app: Pick<Contactflow, 'intakeQueue'>): Promise<void> {
  await waitFor(
    async () => {
      const c = await app.intakeQueue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      return Object.values(c).every((n) => !n) ? true : undefined;
    },
    { what: 'the intake stage to fan out' },
  );
}

/** One short-lived connection per call: these helpers are rare, and nothing is left open. */
async function withRedis<T>(app: Pick<Contactflow, 'redisUrl'>, fn: (r: Redis) => Promise<T>): Promise<T> {
  const r = new Redis(app.redisUrl);
  try {
    return await fn(r);
  } finally {
    r.disconnect();
  }
}

/** What Redis remembers of a processed id ends (job retention or the done set's window passed). */
export async function forgetProcessed(app: Pick<Contactflow, 'intakeQueue' | 'queue' | 'redisUrl'>, id: string): Promise<void> {
  await (await app.queue.getJob(id))?.remove();
  await withRedis(app, (r) => r.zrem(intakeDoneKey(app.intakeQueue), id));
}

/**
 * What Redis remembers as accepted, once the intake stage is empty: every activities job plus
 * every id the fan-out processed inline. A rejected request changes neither; a duplicate neither.
 */
export async function acceptedActivities(app: Pick<Contactflow, 'intakeQueue' | 'queue' | 'redisUrl'>): Promise<number> {
  const jobs = await activityJobCount(app);
  return jobs + (await withRedis(app, (r) => r.zcard(intakeDoneKey(app.intakeQueue))));
}

/** Every activities job the app's queue holds, in any state, once the intake stage has fanned out. */
export async function activityJobCount(app: Pick<Contactflow, 'intakeQueue' | 'queue'>): Promise<number> {
  await intakeFannedOut(app);
  const counts = await app.queue.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized');
  return Object.values(counts).reduce((a, b) => a + (b ?? 0), 0);
}
