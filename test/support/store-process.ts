/**
 * Child side of test/support/shared-store.ts: the real composition root (startContactflow, the same
 * call src/main.ts makes) in its own process, whose repositories are a thin proxy to the store that
 * lives in the test process. Every repository call crosses the IPC channel and the answer (or the
 * error, rebuilt as its own class so `instanceof` keeps working) comes back. This is how several
 * worker and API processes share one surviving store on a machine without MongoDB, the way they
 * share one MongoDB in production: a SIGKILL of this process loses what it held in memory (locks,
 * in-flight calls), never the store.
 *
 * Started by shared-store.ts with `node --import tsx` (not meant to be run by hand).
 */
import * as errors from '../../src/shared/errors';
import { parseConfig } from '../../src/config';
import type { Repositories } from '../../src/repositories';
import { createLogger } from '../../src/shared/logger';
import { startContactflow } from '../../src/start';
import { fromWire, type CallMessage, type HostMessage } from './store-wire';

let nextId = 0;
const pending = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void }>();

process.on('message', (m: HostMessage) => {
  if (m.t !== 'result') return;
  const p = pending.get(m.id);
  if (!p) return;
  pending.delete(m.id);
  if (m.ok) p.resolve(m.value);
  else p.reject(fromWire(m.error));
});
// The host went away (the test ended or crashed): nothing left to serve.
process.on('disconnect', () => process.exit(0));

function call(repo: string, method: string, args: unknown[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject });
    const msg: CallMessage = { t: 'call', id, repo, method, args };
    process.send!(msg, undefined, undefined, (err) => {
      if (err) {
        pending.delete(id);
        reject(new errors.TransientStoreError('store host unreachable', err));
      }
    });
  });
}

function remoteRepo<T extends object>(repo: string): T {
  return new Proxy({} as T, {
    get(_t, prop) {
      if (typeof prop !== 'string' || prop === 'then') return undefined;
      return (...args: unknown[]) => call(repo, prop, args);
    },
  });
}

const repos: Repositories = {
  kind: 'memory',
  contacts: remoteRepo('contacts'),
  activities: remoteRepo('activities'),
  accounts: remoteRepo('accounts'),
  pageViews: remoteRepo('pageViews'),
  suppressions: remoteRepo('suppressions'),
  ping: () => call('', 'ping', []) as Promise<void>,
  isTransientError: (err) => err instanceof errors.TransientStoreError,
  close: async () => {},
};

async function main() {
  const config = parseConfig(process.env);
  const logger = createLogger(config.LOG_LEVEL, { role: config.ROLE });
  const app = await startContactflow(config, logger, { repos });
  process.send!({ t: 'ready', port: app.port, apiKey: app.apiKey });
  let stopping = false;
  process.on('SIGTERM', () => {
    if (stopping) return;
    stopping = true;
    void app.stop().finally(() => process.exit(0));
  });
}

main().catch((err) => {
  process.stderr.write(`store-process failed to start: ${(err as Error).stack}\n`);
  process.exit(1);
});
