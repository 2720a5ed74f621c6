import { randomBytes } from 'node:crypto';
import { parseConfig, type Config } from '../../src/config';
import type { Repositories } from '../../src/repositories';
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
  options: StartOptions & { repos?: Repositories; logLines?: string[] } = {},
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
  // logLines: the app's log lines (JSON) are collected there instead of printed.
  const { logLines, ...startOptions } = options;
  const logger = logLines ? createLogger(config.LOG_LEVEL, {}, { destination: { write: (line: string) => void logLines.push(line) } }) : createLogger(config.LOG_LEVEL);
  const app = await startContactflow(config, logger, startOptions);
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

/** What Redis remembers of a processed id ends (the completed job's retention passed). */
export async function forgetProcessed(app: Pick<Contactflow, 'queue'>, id: string): Promise<void> {
  await (await app.queue.getJob(id))?.remove();
}

/** Every activities job the app's queue holds, in any state: one per accepted activity. */
export async function activityJobCount(app: Pick<Contactflow, 'queue'>): Promise<number> {
  const counts = await app.queue.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized');
  return Object.values(counts).reduce((a, b) => a + (b ?? 0), 0);
}
