import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { createActivitiesQueue, type ActivitiesQueue } from '../../src/jobs/activities.queue';
import { createRedisConnection, type RedisConnection } from '../../src/jobs/redis-connection';
import { freePort } from '../../src/infra/redis-server';
import { TEST_API_KEY } from '../support/app';
import { startTestRedis } from '../support/redis';
import { waitFor } from '../support/wait';

type Redis = Awaited<ReturnType<typeof startTestRedis>>;

let redis: Redis;
let connection: RedisConnection;
let queue: ActivitiesQueue;
const prefix = `{sd${randomBytes(4).toString('hex')}}`;
const children: ChildProcess[] = [];

beforeAll(async () => {
  redis = await startTestRedis();
  connection = createRedisConnection(redis.url, 'worker', 'shutdown-test');
  queue = createActivitiesQueue(connection, prefix, { attempts: 3 });
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await queue?.close();
  connection?.disconnect();
  await redis?.cleanup();
});

/** The real entry point in its own process, as `npm run dev` starts it. */
async function startProcess(port: number, concurrency = '5') {
  const child = spawn(path.resolve('node_modules/.bin/tsx'), ['src/main.ts'], {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      ROLE: 'all',
      STORE: 'memory',
      PORT: String(port),
      HOST: '127.0.0.1',
      REDIS_URL: redis.url,
      REDIS_PREFIX: prefix,
      BOOTSTRAP_API_KEY: TEST_API_KEY,
      LOG_LEVEL: 'warn',
      WORKER_CONCURRENCY: concurrency,
      SHUTDOWN_TIMEOUT_MS: '8000',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await waitFor(async () => ((await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null))?.ok ? true : undefined), {
    timeoutMs: 30_000,
    what: `the child on port ${port} to be ready (stderr: ${stderr.slice(-500)})`,
  });
  return { child, exited, stderr: () => stderr };
}

describe('graceful shutdown', () => {
  it('SIGTERM while activities flow loses no accepted job across a restart', async () => {
    const port = await freePort();
    const first = await startProcess(port);

    // Clients keep posting until the server stops taking connections.
    const accepted: string[] = [];
    let refused = 0;
    let stop = false;
    const client = async (c: number) => {
      for (let i = 0; !stop; i++) {
        try {
          const res = await fetch(`http://127.0.0.1:${port}/v1/activities`, {
            method: 'POST',
            headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
            body: JSON.stringify({ type: 'x', occurredAt: new Date().toISOString(), email: `c${c}-${i}@example.com` }),
          });
          if (res.status === 202) accepted.push((await res.json()).id);
          else refused++;
        } catch {
          refused++; // connection refused or reset: not accepted, the client would retry
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    };
    const clients = Array.from({ length: 4 }, (_, c) => client(c));
    await waitFor(async () => (accepted.length >= 40 ? true : undefined), { what: 'some accepted activities' });

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    stop = true;
    await Promise.all(clients);
    expect(accepted.length).toBeGreaterThanOrEqual(40);

    // Every 202 is a job in Redis: done or waiting for a worker. None failed, none vanished.
    const stateOf = async (id: string) => (await queue.getJob(id))?.getState() ?? 'missing';
    const states = await Promise.all(accepted.map(stateOf));
    const tally = states.reduce<Record<string, number>>((t, s) => ({ ...t, [s]: (t[s] ?? 0) + 1 }), {});
    expect(Object.keys(tally).every((s) => ['completed', 'waiting', 'prioritized', 'active', 'delayed'].includes(s))).toBe(true);
    expect(Object.values(tally).reduce((a, b) => a + b, 0)).toBe(accepted.length);

    // A second process drains what the first left (stalled "active" ones come back after the lock).
    const second = await startProcess(await freePort());
    await waitFor(
      async () => {
        const left = await Promise.all(accepted.map(stateOf));
        return left.every((s) => s === 'completed') ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200, what: 'every accepted job to complete' },
    );
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 120_000);
});
