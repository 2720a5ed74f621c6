import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startRedisServer, type StartedRedis } from '../../src/infra/redis-server';

/** A private redis-server on a free port with a throw-away data dir: never someone else's Redis. */
export async function startTestRedis(opts: { appendfsync?: 'everysec' | 'always' } = {}): Promise<StartedRedis & { cleanup(): Promise<void> }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'contactflow-redis-'));
  const server = await startRedisServer({ dir, ...opts });
  return {
    ...server,
    async cleanup() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
