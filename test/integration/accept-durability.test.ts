import { execFileSync } from 'node:child_process';
import { DurabilityUnavailableError } from '../../src/jobs/accept-durability';
import { startTestApp } from '../support/app';
import { startTestRedis } from '../support/redis';

describe('ACCEPT_DURABILITY=fsynced against a real Redis', () => {
  it('with appendfsync everysec: waits with WAITAOF on Redis 7.2+, and refuses to start on an older Redis', async () => {
    const redis = await startTestRedis(); // appendfsync everysec
    try {
      const [major, minor] = /redis_version:(\d+)\.(\d+)/.exec(execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).replace('v=', 'redis_version:'))!.slice(1).map(Number) as [number, number];
      const started = startTestApp(redis.url, { ACCEPT_DURABILITY: 'fsynced' });
      if (major > 7 || (major === 7 && minor >= 2)) {
        const app = await started;
        try {
          const res = await app.request('/v1/activities', { method: 'POST', json: { type: 'form', occurredAt: '2026-11-02T09:00:00Z', email: 'waitaof@example.org' } });
          expect(res.status).toBe(202);
        } finally {
          await app.stop();
        }
      } else {
        await expect(started).rejects.toBeInstanceOf(DurabilityUnavailableError);
        await expect(started).rejects.toThrow(/appendfsync everysec/);
      }
    } finally {
      await redis.cleanup();
    }
  });

  it('accepts and processes activities against a Redis that fsyncs every write before it replies', async () => {
    const redis = await startTestRedis({ appendfsync: 'always' });
    const app = await startTestApp(redis.url, { ACCEPT_DURABILITY: 'fsynced' });
    try {
      const res = await app.request('/v1/activities', { method: 'POST', json: { type: 'form', occurredAt: '2026-11-02T09:00:00Z', email: 'durable@example.org' } });
      expect(res.status).toBe(202);
      const { id } = await res.json();
      expect(await app.settled(id)).toMatchObject({ status: 'processed' });
    } finally {
      await app.stop();
      await redis.cleanup();
    }
  });
});
