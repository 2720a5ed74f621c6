import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createMemoryRepositories } from '../../src/repositories/memory';
import type { Repositories } from '../../src/repositories';
import { TEST_API_KEY } from './app';
import { withFaults, type Faults } from './faulty-repositories';
import { toWire, type ChildMessage, type HostMessage } from './store-wire';
import { waitFor } from './wait';

const root = path.resolve(__dirname, '../..');
const entry = path.join(__dirname, 'store-process.ts');

/** Same on every process: the erase (API) and the suppression check (worker) must agree. */
export const SHARED_SUPPRESSION_KEY = 'faults-suppression-key-0123456789abcdef';
export const SHARED_WEBHOOK_SECRET = 'faults-webhook-secret-0123456789abcdef';
/** Job payloads are sealed in Redis: the API that seals and the worker that opens need one key. */
export const SHARED_PAYLOAD_KEY = '7f3c2a91d4e8b6050c1f9a7e3d2b8c4a6e1f0d9c8b7a695847362514a3b2c1d0';

export interface HostedProcess {
  role: 'all' | 'api' | 'worker';
  name: string;
  child: ChildProcess;
  port: number;
  baseUrl: string;
  output(): string;
  exited(): Promise<number | null>;
}

export interface StoreHost {
  /** The store itself (faults off), for the test's own checks. */
  repos: Repositories;
  /** Switch the store "down" (every call a transient error) for the processes. */
  faults: Faults;
  /** Calls served, for the record. */
  calls(): number;
  start(role: HostedProcess['role'], env?: Record<string, string>): Promise<HostedProcess>;
  /** Every process started so far, dead or alive. */
  processes: HostedProcess[];
  /** Everything every process wrote (stdout and stderr), the dead ones' included. */
  logs(): string;
  stopAll(): Promise<void>;
}

/**
 * One in-memory store in the test process, served over IPC to real child processes running the real
 * composition root (test/support/store-process.ts): API and worker processes that can be SIGKILLed
 * while the store survives, as with MongoDB. `baseEnv` needs at least REDIS_URL and REDIS_PREFIX.
 */
export function hostStore(baseEnv: Record<string, string>, repos: Repositories = createMemoryRepositories()): StoreHost {
  const { repos: faulty, faults } = withFaults(repos);
  const processes: HostedProcess[] = [];
  let served = 0;
  let seq = 0;

  const serve = async (child: ChildProcess, m: ChildMessage) => {
    if (m.t !== 'call') return;
    served++;
    let reply: HostMessage;
    try {
      const target = (m.repo ? (faulty as unknown as Record<string, Record<string, (...a: unknown[]) => unknown>>)[m.repo] : faulty) as unknown as Record<string, (...a: unknown[]) => unknown>;
      const fn = target?.[m.method];
      if (typeof fn !== 'function') throw new Error(`no such store call ${m.repo}.${m.method}`);
      reply = { t: 'result', id: m.id, ok: true, value: await fn.apply(target, m.args) };
    } catch (err) {
      reply = { t: 'result', id: m.id, ok: false, error: toWire(err) };
    }
    // A killed process leaves its calls behind: the store finished them, nobody hears the answer.
    if (child.connected) child.send(reply, (err) => void err);
  };

  return {
    repos,
    faults,
    calls: () => served,
    processes,
    async start(role, env = {}) {
      const name = `${role}-${++seq}`;
      let out = '';
      const child = fork(entry, [], {
        cwd: root,
        execArgv: ['--import', 'tsx'],
        serialization: 'advanced',
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          NODE_ENV: 'test',
          ROLE: role,
          PORT: '0',
          HOST: '127.0.0.1',
          STORE: 'memory',
          BOOTSTRAP_API_KEY: TEST_API_KEY,
          WEBHOOK_SECRET: SHARED_WEBHOOK_SECRET,
          SUPPRESSION_KEY: SHARED_SUPPRESSION_KEY,
          PAYLOAD_KEY: SHARED_PAYLOAD_KEY,
          LOG_LEVEL: 'info',
          LOG_FORMAT: 'json',
          ...baseEnv,
          ...env,
        },
      });
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      let ready: { port: number } | undefined;
      child.on('message', (m: ChildMessage) => {
        if (m.t === 'ready') ready = { port: m.port };
        else void serve(child, m);
      });
      const { port } = await waitFor(async () => ready ?? (child.exitCode !== null ? Promise.reject(new Error(`${name} exited: ${out.slice(-2000)}`)) : undefined), {
        timeoutMs: 60_000,
        intervalMs: 50,
        what: `${name} to start`,
      });
      const p: HostedProcess = { role, name, child, port, baseUrl: `http://127.0.0.1:${port}`, output: () => out, exited: () => exit };
      processes.push(p);
      return p;
    },
    logs: () => processes.map((p) => p.output()).join('\n'),
    async stopAll() {
      await Promise.all(
        processes.map(async (p) => {
          if (p.child.exitCode !== null || p.child.signalCode !== null) return;
          p.child.kill('SIGTERM');
          const t = setTimeout(() => p.child.kill('SIGKILL'), 10_000);
          await p.exited();
          clearTimeout(t);
        }),
      );
    },
  };
}
