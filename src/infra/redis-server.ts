import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import type { Logger } from '../shared/logger';
import { withTimeout } from '../shared/timeout';

export interface ResolvedRedis {
  url: string;
  /** Set when we started the server ourselves: stops it. */
  stop?: () => Promise<void>;
}

export class RedisUnavailableError extends Error {
  constructor() {
    super(
      [
        'No Redis found: REDIS_URL is not set, nothing answers on 127.0.0.1:6379, and `redis-server` is not on PATH.',
        'Get one of:',
        '  Debian/Ubuntu: sudo apt-get install redis-server',
        '  macOS:         brew install redis',
        '  Docker:        docker compose up -d redis   (then REDIS_URL=redis://127.0.0.1:6379)',
      ].join('\n'),
    );
    this.name = 'RedisUnavailableError';
  }
}

/** REDIS_URL, else a local Redis on 6379, else one we start from PATH with data under dataDir. */
export async function resolveRedis(opts: { url?: string; dataDir: string; logger: Logger; appendfsync?: 'everysec' | 'always' }): Promise<ResolvedRedis> {
  if (opts.url) return { url: opts.url };
  const local = 'redis://127.0.0.1:6379';
  if (await answersPing(local)) {
    opts.logger.info('using the Redis that answers on 127.0.0.1:6379');
    return { url: local };
  }
  if (!(await commandExists('redis-server'))) throw new RedisUnavailableError();
  const server = await startRedisServer({ dir: path.resolve(opts.dataDir, 'redis'), logger: opts.logger, appendfsync: opts.appendfsync });
  opts.logger.warn(
    { url: server.url, dir: server.dir },
    'started an embedded redis-server for development (set REDIS_URL to use your own)',
  );
  return server;
}

export interface StartedRedis extends ResolvedRedis {
  port: number;
  dir: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts `redis-server` on a free loopback port, configured like production (AOF, noeviction) so
 * development and tests see the behaviour BullMQ requires. Used by `npm start` and by the tests.
 */
export async function startRedisServer(opts: { dir: string; port?: number; logger?: Logger; appendfsync?: 'everysec' | 'always' }): Promise<StartedRedis> {
  mkdirSync(opts.dir, { recursive: true });
  const port = opts.port ?? (await freePort());
  const child = spawn(
    'redis-server',
    [
      '--port', String(port),
      '--bind', '127.0.0.1',
      '--dir', opts.dir,
      '--appendonly', 'yes',
      '--appendfsync', opts.appendfsync ?? 'everysec',
      '--save', '',
      '--maxmemory-policy', 'noeviction',
      '--protected-mode', 'yes',
      // A log file, not a pipe: redis forks for AOF rewrites and the fork would hold a pipe open.
      '--logfile', path.join(opts.dir, 'redis.log'),
    ],
    { stdio: 'ignore' },
  );
  const logTail = () => {
    try {
      return readFileSync(path.join(opts.dir, 'redis.log'), 'utf8').trim().split('\n').slice(-5).join('\n');
    } catch {
      return '';
    }
  };
  const url = `redis://127.0.0.1:${port}`;
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}: ${logTail()}`);
    if (await answersPing(url)) break;
    await sleep(50);
    if (i === 99) throw new Error(`redis-server did not answer on ${url} within 5 s`);
  }

  return {
    url,
    port,
    dir: opts.dir,
    process: child,
    async stop() {
      process.removeListener('exit', killOnExit);
      // Gone already: it exited, or a signal (a test's SIGKILL) ended it.
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await withTimeout(exited, 5000, 'redis-server exit').catch(() => child.kill('SIGKILL'));
    },
  };
}

export async function answersPing(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, connectTimeout: 500, disconnectTimeout: 50, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function commandExists(cmd: string): Promise<boolean> {
  return new Promise((resolve) => {
    const p = spawn('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    p.on('exit', (code) => resolve(code === 0));
    p.on('error', () => resolve(false));
  });
}
