import { fork, type ChildProcess } from 'node:child_process';
import { execSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Everything the benchmarks start listens on, and is aimed at, this address only. */
export const LOOPBACK = '127.0.0.1';
export const BENCH_API_KEY = 'bench_key_0123456789abcdefghijkl';
export const BENCH_ROOT = path.resolve(__dirname, '..');

export function tmpDir(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `contactflow-bench-${prefix}-`));
}

/** Env for startContactflow in a bench process: limits raised so only the code path is measured. */
export function benchEnv(redisUrl: string, prefix: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'production',
    PORT: '0',
    HOST: LOOPBACK,
    REDIS_URL: redisUrl,
    REDIS_PREFIX: prefix,
    STORE: 'memory',
    BOOTSTRAP_API_KEY: BENCH_API_KEY,
    LOG_LEVEL: 'info',
    LOG_FORMAT: 'json',
    RATE_LIMIT_PER_SECOND: '10000000',
    RATE_LIMIT_BURST: '10000000',
    MAX_QUEUE_DEPTH: '100000000',
    DATA_DIR: tmpDir('data'),
    ...extra,
  };
}

export interface Child<M = unknown> {
  proc: ChildProcess;
  /** Resolves with the next IPC message whose `type` matches. */
  next<T extends M = M>(type: string, timeoutMs?: number): Promise<T>;
  send(msg: unknown): void;
  /** Asks the child to stop (message), then SIGTERM, then SIGKILL; resolves on exit. */
  stop(timeoutMs?: number): Promise<void>;
}

/**
 * How `npm start` runs contactflow (package.json's start script, the same as the Dockerfile's ENV
 * and CMD): its leading VAR=value environment, then node and its flags. Every bench process that
 * runs contactflow code gets both, so the bench measures the process as it ships.
 */
function appStart(): { env: Record<string, string>; flags: string[] } {
  const pkg = JSON.parse(readFileSync(path.join(BENCH_ROOT, '..', 'package.json'), 'utf8')) as { scripts: { start: string } };
  const words = pkg.scripts.start.split(/\s+/);
  const env: Record<string, string> = {};
  while (/^[A-Z_][A-Z0-9_]*=/.test(words[0] ?? '')) {
    const word = words.shift()!;
    env[word.slice(0, word.indexOf('='))] = word.slice(word.indexOf('=') + 1);
  }
  const [node, ...rest] = words;
  if (node !== 'node') throw new Error(`package.json start script does not start with node: ${pkg.scripts.start}`);
  return { env, flags: rest.filter((a) => a.startsWith('--')) };
}

export const appNodeFlags = (): string[] => appStart().flags;
/** BENCH_APP_ENV=none: the app processes without that environment (to measure what it does). */
export const appEnv = (): Record<string, string> => (process.env.BENCH_APP_ENV === 'none' ? {} : appStart().env);

/** Runs a bench/*.ts file in its own Node process (tsx loader), talking over IPC. */
export function spawnChild(file: string, args: string[] = [], opts: { execArgv?: string[]; env?: Record<string, string>; quiet?: boolean } = {}): Child {
  const proc = fork(path.join(BENCH_ROOT, file), args, {
    execArgv: ['--import', 'tsx', ...(opts.execArgv ?? [])],
    env: { ...process.env, ...opts.env },
    // Server logs (JSON lines) are not bench output: drop stdout, keep stderr for crashes.
    stdio: ['ignore', opts.quiet === false ? 'inherit' : 'ignore', 'inherit', 'ipc'],
  });
  const queue: { type: string; msg: any }[] = [];
  const waiters: { type: string; resolve(m: any): void }[] = [];
  proc.on('message', (msg: any) => {
    const i = waiters.findIndex((w) => w.type === msg?.type);
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(msg);
    else queue.push({ type: msg?.type, msg });
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.on('error', () => {}); // e.g. EPIPE on a message to a child that is already exiting
  return {
    proc,
    next(type, timeoutMs = 600_000) {
      const i = queue.findIndex((q) => q.type === type);
      if (i >= 0) return Promise.resolve(queue.splice(i, 1)[0]!.msg);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${file}: no "${type}" message within ${timeoutMs} ms`)), timeoutMs);
        const onExit = (code: number | null) => reject(new Error(`${file} exited (${code}) before sending "${type}"`));
        proc.once('exit', onExit);
        waiters.push({
          type,
          resolve: (m) => {
            clearTimeout(timer);
            proc.removeListener('exit', onExit);
            resolve(m);
          },
        });
      });
    },
    send(msg) {
      if (proc.connected) proc.send(msg as any, (err) => void err);
    },
    async stop(timeoutMs = 15_000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      this.send({ type: 'stop' });
      const t1 = setTimeout(() => proc.kill('SIGTERM'), timeoutMs);
      const t2 = setTimeout(() => proc.kill('SIGKILL'), timeoutMs + 5000);
      await exited;
      clearTimeout(t1);
      clearTimeout(t2);
    },
  };
}

/** In a child: calls `onStop` when the parent asks (IPC "stop", SIGTERM or the parent going away). */
export function onStopRequest(onStop: () => Promise<void> | void): void {
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    Promise.resolve(onStop()).finally(() => process.exit(0)); // exit(): lets --cpu-prof write its file
  };
  process.on('message', (m: any) => m?.type === 'stop' && stop());
  process.on('SIGTERM', stop);
  process.on('disconnect', stop);
}

/** Resolves once the message is handed to the IPC channel (so a process.exit() after it loses nothing). */
export function send(msg: unknown): Promise<void> {
  return new Promise((resolve) => (process.send ? process.send(msg, undefined, {}, () => resolve()) : resolve()));
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function machineInfo(): Record<string, string> {
  const sh = (cmd: string) => {
    try {
      return execSync(cmd, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return 'n/a';
    }
  };
  const pkgVersion = (name: string) => {
    try {
      return JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')).version as string;
    } catch {
      return 'n/a';
    }
  };
  const free = sh('free -g | sed -n 2p').split(/\s+/);
  return {
    date: new Date().toISOString(),
    nproc: sh('nproc'),
    cpu: os.cpus()[0]?.model ?? 'n/a',
    'free -g (total/used/free)': free.length > 3 ? `${free[1]} / ${free[2]} / ${free[3]} GiB` : 'n/a',
    node: process.version,
    redis: sh('redis-server --version').replace(/^Redis server v=(\S+).*/, '$1'),
    express: pkgVersion('express'),
    bullmq: pkgVersion('bullmq'),
    ioredis: pkgVersion('ioredis'),
    zod: pkgVersion('zod'),
    pino: pkgVersion('pino'),
    autocannon: pkgVersion('autocannon'),
    git: sh(`git -C ${JSON.stringify(path.resolve(BENCH_ROOT, '..'))} rev-parse --short HEAD`) + (sh(`git -C ${JSON.stringify(path.resolve(BENCH_ROOT, '..'))} status --porcelain src`) ? ' (+ uncommitted src changes)' : ''),
  };
}

export const fmt = {
  int: (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a'),
  ms: (n: number) => (Number.isFinite(n) ? `${n < 10 ? n.toFixed(2) : n.toFixed(1)} ms` : 'n/a'),
  ratio: (n: number) => (Number.isFinite(n) ? `${n.toFixed(2)}×` : 'n/a'),
  mb: (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`,
};

export function mdTable(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves once an ioredis client is connected (producer connections have no offline queue). */
export async function ready<T extends { status: string; once(event: 'ready', cb: () => void): unknown }>(conn: T): Promise<T> {
  if (conn.status !== 'ready') await new Promise<void>((r) => conn.once('ready', () => r()));
  return conn;
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
export function procCpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in USER_HZ (100)
  } catch {
    return NaN;
  }
}

/** Starts a CPU profile of this process now; the returned function stops it and writes `file`. */
/** An inspector session on this process, with a promise-returning `post`. */
async function openInspector() {
  const { Session } = await import('node:inspector');
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<any>((resolve, reject) => session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res))));
  return { post, disconnect: () => session.disconnect() };
}

export async function startCpuProfile(): Promise<(file: string) => Promise<void>> {
  const { post, disconnect } = await openInspector();
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 200 });
  await post('Profiler.start');
  return async (file) => {
    const { profile } = await post('Profiler.stop');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, JSON.stringify(profile));
    disconnect();
  };
}

/**
 * In a child: CPU profiling on request over IPC ({type:'profile-start'}, then
 * {type:'profile-stop', file}), so a profile covers the measured window only, not start-up or
 * warm-up (node --cpu-prof covers the whole process). Replies {type:'profiling'} / {type:'profiled'}.
 */
export function profileOnRequest(): void {
  let stop: ((file: string) => Promise<void>) | undefined;
  process.on('message', async (m: any) => {
    if (m?.type === 'profile-start') {
      stop = await startCpuProfile();
      await send({ type: 'profiling' });
    } else if (m?.type === 'profile-stop' && stop) {
      await stop(m.file);
      stop = undefined;
      await send({ type: 'profiled', file: m.file });
    }
  });
}

/**
 * Starts V8's sampling heap profiler keeping only objects that outlived a young GC (promoted,
 * whether they die later or not); the returned function stops it and returns the top allocation
 * stacks (5 frames) as text, bytes per `per` units. Promoted garbage is what makes full GCs come
 * often: this says where it is allocated (bench/README.md, "What survives young GCs").
 */
export async function startPromotionProfile(): Promise<(per: number, top?: number) => Promise<string>> {
  const { post, disconnect } = await openInspector();
  await post('HeapProfiler.startSampling', { samplingInterval: 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: false });
  return async (per, top = 25) => {
    const { profile } = await post('HeapProfiler.stopSampling');
    disconnect();
    const byStack = new Map<string, number>();
    let total = 0;
    const walk = (n: any, chain: string[]) => {
      const f = n.callFrame;
      const c = [`${f.functionName || '(anonymous)'} ${String(f.url).replace(/.*node_modules\//, '').replace(/.*\/(src|bench)\//, '$1/')}`, ...chain].slice(0, 5);
      total += n.selfSize;
      if (n.selfSize) byStack.set(c.join(' < '), (byStack.get(c.join(' < ')) ?? 0) + n.selfSize);
      for (const ch of n.children) walk(ch, c);
    };
    walk(profile.head, []);
    const lines = [...byStack.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, v]) => `${(v / per).toFixed(0).padStart(7)} B  ${k}`);
    return [`outlived a young GC: ${(total / per).toFixed(0)} B per unit`, ...lines].join('\n');
  };
}
