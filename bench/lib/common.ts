import { execSync, fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';

/** Everything the benchmarks start listens on, and is aimed at, this address only. */
export const LOOPBACK = '127.0.0.1';
export const BENCH_API_KEY = 'bench_key_0123456789abcdefghijkl';
/** A second account beside the bootstrap one, for the noisy-neighbour figure. */
export const QUIET_ACCOUNT = 'quiet';
export const QUIET_API_KEY = 'bench_quiet_key_0123456789abcdefgh';
export const BENCH_ROOT = path.resolve(__dirname, '..');

export function tmpDir(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `contactflow-bench-${prefix}-`));
}

/**
 * Env for startContactflow in a bench process. Rate limit and backpressure are raised so the
 * intake figures measure the code path, not a refusal (nothing drains the queue while they run).
 */
/** Production requires a payload key; every bench process (api, worker, prefill) seals with this one. */
export const BENCH_PAYLOAD_KEY = '62656e63682d7061796c6f61642d6b65792d6e6f742d612d7365637265742121';

export function benchEnv(redisUrl: string, prefix: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'production',
    PORT: '0',
    HOST: LOOPBACK,
    REDIS_URL: redisUrl,
    REDIS_PREFIX: prefix,
    STORE: 'memory',
    BOOTSTRAP_API_KEY: BENCH_API_KEY,
    SUPPRESSION_KEY: 'bench_suppression_key_0123456789abcdefghijkl',
    PAYLOAD_KEY: BENCH_PAYLOAD_KEY,
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
    RATE_LIMIT_PER_SECOND: '100000000',
    RATE_LIMIT_BURST: '100000000',
    MAX_QUEUE_DEPTH: '100000000',
    DATA_DIR: tmpDir('data'),
    ...extra,
  };
}

export interface Child {
  proc: ChildProcess;
  /** Resolves with the next IPC message whose `type` matches. */
  next<T = any>(type: string, timeoutMs?: number): Promise<T>;
  /** Calls `fn` for every message of this type (instead of queueing it for next()). */
  on(type: string, fn: (msg: any) => void): void;
  send(msg: unknown): void;
  /** Asks the child to stop (message), then SIGTERM, then SIGKILL; resolves on exit. */
  stop(timeoutMs?: number): Promise<void>;
}

const alive = new Set<Child>();
const BUILD_DIR = path.join(BENCH_ROOT, '..', 'node_modules', '.cache', 'contactflow-bench');
let built = new Set<string>();

/**
 * Bundles the child entry points once per run (esbuild, the transpiler tsx uses; packages stay
 * external), so each child starts in plain node: loading src through tsx costs every child ≈ 1 s
 * of CPU more, on the cores the measurements share. Without esbuild, children run through tsx.
 */
export function buildChildren(files: string[]): void {
  try {
    const esbuild = require('esbuild') as typeof import('esbuild');
    esbuild.buildSync({
      entryPoints: files.map((f) => path.join(BENCH_ROOT, f)),
      outdir: BUILD_DIR,
      bundle: true,
      packages: 'external',
      platform: 'node',
      format: 'cjs',
      target: `node${process.versions.node.split('.')[0]}`,
      logLevel: 'error',
    });
    built = new Set(files);
  } catch {
    built = new Set();
  }
}

/** Stops every child still running (the conductor's last step, whatever happened). */
export async function stopChildren(): Promise<void> {
  await Promise.all([...alive].map((c) => c.stop()));
}

/** Runs a bench/*.ts file in its own Node process (its bundle, else through tsx), talking over IPC. */
export function spawnChild(file: string, args: unknown, opts: { execArgv?: string[]; env?: Record<string, string> } = {}): Child {
  const bundled = built.has(file);
  const proc = fork(bundled ? path.join(BUILD_DIR, file.replace(/\.ts$/, '.js')) : path.join(BENCH_ROOT, file), [JSON.stringify(args)], {
    execArgv: [...(bundled ? [] : ['--import', 'tsx']), ...(opts.execArgv ?? [])],
    env: { ...process.env, ...opts.env },
    // Server logs are not bench output: drop stdout, keep stderr for crashes.
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const queue: { type: string; msg: any }[] = [];
  const waiters: { type: string; resolve(m: any): void }[] = [];
  const listeners = new Map<string, (m: any) => void>();
  proc.on('message', (msg: any) => {
    const listener = listeners.get(msg?.type);
    if (listener) return listener(msg);
    const i = waiters.findIndex((w) => w.type === msg?.type);
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(msg);
    else queue.push({ type: msg?.type, msg });
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.on('error', () => {}); // e.g. EPIPE on a message to a child that is already exiting
  const child: Child = {
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
    on(type, fn) {
      listeners.set(type, fn);
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
  alive.add(child);
  void exited.then(() => alive.delete(child));
  return child;
}

let stopHandler: (() => void) | undefined;

/**
 * In a child: its JSON argument. From here on the child ends when the conductor goes away, even
 * before it installs its own stop handler (onStopRequest), e.g. while it seeds or warms up.
 */
export function childArgs<T>(): T {
  process.on('disconnect', () => (stopHandler ? stopHandler() : process.exit(0)));
  process.on('SIGTERM', () => (stopHandler ? stopHandler() : process.exit(0)));
  return JSON.parse(process.argv[2] ?? '{}') as T;
}

/**
 * In a child: calls `onStop` when the parent asks (IPC "stop", SIGTERM or the parent going away),
 * then exits. A bounded fallback exit makes sure no child outlives a stuck shutdown.
 */
export function onStopRequest(onStop: () => Promise<void> | void): void {
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(0), 12_000).unref();
    Promise.resolve(onStop())
      .catch(() => {})
      .finally(() => process.exit(0));
  };
  process.on('message', (m: any) => m?.type === 'stop' && stop());
  stopHandler = stop;
}

/** Resolves once the message is handed to the IPC channel (so a process.exit() after it loses nothing). */
export function send(msg: unknown): Promise<void> {
  return new Promise((resolve) => (process.send ? process.send(msg, undefined, {}, () => resolve()) : resolve()));
}

/** In a child: a fatal error is printed and ends the process (the conductor sees the exit). */
export function die(name: string) {
  return (err: unknown) => {
    process.stderr.write(`${name}: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  };
}

/** Milliseconds on a clock every process on this machine shares (wall clock, sub-ms resolution). */
export const now = () => performance.timeOrigin + performance.now();

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

export const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

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
  const repo = JSON.stringify(path.resolve(BENCH_ROOT, '..'));
  return {
    date: new Date().toISOString(),
    cores: String(os.cpus().length),
    cpu: os.cpus()[0]?.model ?? 'n/a',
    memory: `${(os.totalmem() / 2 ** 30).toFixed(0)} GiB`,
    node: process.version,
    'redis-server': sh('redis-server --version').replace(/^Redis server v=(\S+).*/, '$1'),
    express: pkgVersion('express'),
    bullmq: pkgVersion('bullmq'),
    ioredis: pkgVersion('ioredis'),
    autocannon: pkgVersion('autocannon'),
    git: sh(`git -C ${repo} rev-parse --short HEAD`) + (sh(`git -C ${repo} status --porcelain src`) ? ' + uncommitted src changes' : ''),
  };
}

export const fmt = {
  int: (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a'),
  ms: (n: number) => (Number.isFinite(n) ? `${n < 10 ? n.toFixed(2) : n.toFixed(1)} ms` : 'n/a'),
  ratio: (n: number) => (Number.isFinite(n) ? `${n.toFixed(2)}×` : 'n/a'),
  mb: (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`,
};

export function mdTable(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.map((c) => String(c).replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
export function procCpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in USER_HZ (100)
  } catch {
    return NaN;
  }
}

/**
 * Empties the bench's redis-server, and waits for an AOF rewrite in progress (a fork writing out
 * the data just dropped) so it does not run on the cores the next measurement needs.
 */
export async function flushRedis(redisUrl: string): Promise<void> {
  const r = new Redis(redisUrl);
  try {
    await r.flushall();
    for (let i = 0; i < 100 && /aof_rewrite_in_progress:1/.test(await r.info('persistence')); i++) await sleep(100);
  } finally {
    r.disconnect();
  }
}
