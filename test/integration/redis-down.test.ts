import { startRedisServer } from '../../src/infra/redis-server';
import { startTestApp, type TestApp } from '../support/app';
import { startTestRedis } from '../support/redis';
import { waitFor } from '../support/wait';

/** When Redis cannot take the job the client hears 503 + Retry-After, never a 202 for a lost job. */
describe('intake with Redis down', () => {
  let redis: Awaited<ReturnType<typeof startTestRedis>>;
  let restarted: Awaited<ReturnType<typeof startRedisServer>> | undefined;
  let app: TestApp;

  beforeAll(async () => {
    redis = await startTestRedis();
    app = await startTestApp(redis.url, { SHUTDOWN_TIMEOUT_MS: '2000' });
  });

  afterAll(async () => {
    await app?.stop();
    await restarted?.stop();
    await redis?.cleanup();
  });

  const activity = (email: string) => ({ method: 'POST', json: { type: 'x', occurredAt: new Date().toISOString(), email } });

  it('answers 503 with Retry-After while Redis is down, and recovers when it is back', async () => {
    const accepted = await app.request('/v1/activities', activity('before@example.com'));
    expect(accepted.status).toBe(202);
    const acceptedId = (await accepted.json()).id;
    await app.settled(acceptedId);

    await redis.stop();
    const refused = await app.request('/v1/activities', activity('during@example.com'));
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await refused.json()).toMatchObject({ code: 'service_unavailable', status: 503 });

    const ready = await app.request('/readyz', { auth: null });
    expect(ready.status).toBe(503);
    expect((await ready.json()).checks.redis).toMatch(/^down/);

    // Same port and data dir: AOF brings back what Redis had accepted.
    restarted = await startRedisServer({ dir: redis.dir, port: redis.port });
    const again = await waitFor(async () => {
      const res = await app.request('/v1/activities', activity('after@example.com'));
      return res.status === 202 ? res : undefined;
    }, { what: 'intake to recover' });
    const settled = await app.settled((await again.json()).id);
    expect(settled.status).toBe('processed');

    // The activity refused with 503 was never stored: no contact exists for it.
    const during = await (await app.request('/v1/contacts?email=during@example.com')).json();
    expect(during.data).toEqual([]);
  });
});
