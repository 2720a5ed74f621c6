import { freePort } from '../../src/infra/redis-server';
import { TEST_API_KEY } from './app';
import { spawnService, type ServiceProcess } from './processes';
import { SHARED_PAYLOAD_KEY, SHARED_SUPPRESSION_KEY, SHARED_WEBHOOK_SECRET } from './shared-store';
import { waitFor } from './wait';

export interface RunningService extends ServiceProcess {
  baseUrl: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * `src/main.ts` as a real process (ROLE=all, in-memory store, JSON logs captured), on a free
 * loopback port, ready when /readyz answers 200. `env` needs REDIS_URL and REDIS_PREFIX.
 */
export async function startService(env: Record<string, string>): Promise<RunningService> {
  const port = await freePort();
  const proc = spawnService({
    NODE_ENV: 'test',
    ROLE: 'all',
    STORE: 'memory',
    PORT: String(port),
    HOST: '127.0.0.1',
    BOOTSTRAP_API_KEY: TEST_API_KEY,
    WEBHOOK_SECRET: SHARED_WEBHOOK_SECRET,
    SUPPRESSION_KEY: SHARED_SUPPRESSION_KEY,
    PAYLOAD_KEY: SHARED_PAYLOAD_KEY,
    LOG_LEVEL: 'info',
    ...env,
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (proc.child.exitCode !== null) throw new Error(`the service exited: ${proc.output().slice(-2000)}`);
      return (await fetch(`${baseUrl}/readyz`).catch(() => null))?.ok ? true : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 100, what: 'the service to be ready' },
  );
  return {
    ...proc,
    baseUrl,
    port,
    async stop() {
      if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
      proc.child.kill('SIGTERM');
      const t = setTimeout(() => proc.child.kill('SIGKILL'), 15_000);
      await proc.exited();
      clearTimeout(t);
    },
  };
}
