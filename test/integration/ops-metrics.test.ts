import { PROCESS_ACTIVITY } from '../../src/jobs/activities.queue';
import { createMemoryRepositories } from '../../src/repositories/memory';
import { startTestApp, type TestApp } from '../support/app';
import { startTestRedis } from '../support/redis';
import { waitFor } from '../support/wait';

type Redis = Awaited<ReturnType<typeof startTestRedis>>;

const METRICS_TOKEN = 'metrics_token_0123456789abcdef';
const ADMIN_PASSWORD = 'another long admin password';

let redis: Redis;
let app: TestApp;

beforeAll(async () => {
  redis = await startTestRedis();
  app = await startTestApp(redis.url, { METRICS_TOKEN, ADMIN_PASSWORD });
});

afterAll(async () => {
  await app?.stop();
  await redis?.cleanup();
});

const at = (minute: number) => new Date(Date.UTC(2026, 10, 3, 8, minute)).toISOString();

/**
 * Prometheus text format, strictly enough to catch a broken exposition: every line is a comment
 * or `name{labels} value`, and every sample's metric family was declared with # TYPE. NaN in any
 * case: Prometheus parses values with Go's ParseFloat, and prom-client prints "Nan".
 */
function parseMetrics(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  const declared = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const type = line.match(/^# TYPE ([a-zA-Z_:][\w:]*) (counter|gauge|histogram|summary|untyped)$/);
    if (type) {
      declared.add(type[1]!);
      continue;
    }
    if (line.startsWith('# HELP ')) continue;
    const m = line.match(/^([a-zA-Z_:][\w:]*)(\{(?:[a-zA-Z_]\w*="(?:[^"\\]|\\.)*",?)*\})? (-?(?:\d+(?:\.\d+)?(?:e[+-]?\d+)?|[Nn]a[Nn]|[+-]Inf))$/);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    const family = m[1]!.replace(/_(bucket|sum|count)$/, '');
    if (!declared.has(m[1]!) && !declared.has(family)) throw new Error(`sample without # TYPE: ${line}`);
    samples.set(`${m[1]}${m[2] ?? ''}`, Number(m[3]));
  }
  return samples;
}

async function scrape(authorization = `Bearer ${METRICS_TOKEN}`) {
  const res = await fetch(`${app.baseUrl}/metrics`, { headers: { authorization } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseMetrics(await res.text());
}

const value = (m: Map<string, number>, series: string) => m.get(series) ?? 0;

describe('GET /metrics', () => {
  it('needs the metrics token or the admin credential', async () => {
    expect((await fetch(`${app.baseUrl}/metrics`)).status).toBe(401);
    expect((await fetch(`${app.baseUrl}/metrics`, { headers: { authorization: 'Bearer wrong_token_wrong_token' } })).status).toBe(401);
    expect((await fetch(`${app.baseUrl}/metrics`, { headers: { authorization: `Bearer ${app.apiKey}` } })).status).toBe(401);
    const admin = `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`;
    expect((await scrape(admin)).size).toBeGreaterThan(0);
  });

  it('parses, includes default Node metrics, and moves when activities flow', async () => {
    const before = await scrape();
    expect(value(before, 'contactflow_process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(before.has('contactflow_queue_jobs{queue="activities",state="waiting"}')).toBe(true);
    expect(value(before, 'contactflow_queue_scrape_up')).toBe(1);
    // The in-memory fallback is visible to an alert.
    expect(value(before, 'contactflow_store_info{store="memory"}')).toBe(1);

    const bodies = [
      { type: 'signup', occurredAt: at(0), email: 'm1@example.com' },
      { type: 'login', occurredAt: at(1), email: 'm1@example.com' },
      { type: 'chat', occurredAt: at(2), email: 'not-an-email' },
    ];
    for (const json of bodies) {
      const res = await app.request('/v1/activities', { method: 'POST', json });
      expect(res.status).toBe(202);
      await app.settled((await res.json()).id);
    }
    await app.queue.add(PROCESS_ACTIVITY, { kind: 'activity' } as never, { jobId: 'metrics-broken' });
    await waitFor(async () => ((await app.queue.getFailedCount()) === 1 ? true : undefined));
    expect((await app.request('/v1/activities', { method: 'POST', json: { type: 'x' } })).status).toBe(400);

    const after = await waitFor(async () => {
      const m = await scrape();
      return value(m, 'contactflow_jobs_failed_total{queue="activities",reason="invalid_job"}') === 1 ? m : undefined;
    });
    const delta = (series: string) => value(after, series) - value(before, series);
    expect(delta('contactflow_http_requests_total{method="POST",route="/v1/activities",status="202"}')).toBe(3);
    expect(delta('contactflow_http_requests_total{method="POST",route="/v1/activities",status="400"}')).toBe(1);
    expect(delta('contactflow_http_request_duration_seconds_count{method="POST",route="/v1/activities",status="202"}')).toBe(3);
    expect(delta('contactflow_http_requests_total{method="GET",route="/v1/activities/:id",status="200"}')).toBeGreaterThanOrEqual(3);
    // One job per activity.
    expect(delta('contactflow_jobs_completed_total{queue="activities"}')).toBe(3);
    expect(delta('contactflow_job_latency_seconds_count{queue="activities"}')).toBe(3);
    expect(delta('contactflow_activities_processed_total{outcome="processed",resolution="created"}')).toBe(1);
    expect(delta('contactflow_activities_processed_total{outcome="processed",resolution="matched"}')).toBe(1);
    expect(delta('contactflow_activities_processed_total{outcome="unidentified",resolution="none"}')).toBe(1);
    expect(value(after, 'contactflow_queue_jobs{queue="activities",state="failed"}')).toBe(1);
    // No raw ids or paths as label values.
    for (const series of after.keys()) expect(series).not.toMatch(/act_[0-9a-f]{32}|metrics-broken/);
  });
});

describe('backpressure', () => {
  it('answers 503 with Retry-After and enqueues nothing while the queue is over MAX_QUEUE_DEPTH', async () => {
    // An API process with no worker: the workers have "fallen behind" and every job stays waiting.
    // (Pausing an in-process worker races with a fetch already under way.)
    const repos = createMemoryRepositories();
    const prefix = `{bp${Date.now().toString(36)}}`;
    const small = await startTestApp(redis.url, { MAX_QUEUE_DEPTH: '2', ACCOUNT_QUEUE_SHARE: '1', ROLE: 'api', REDIS_PREFIX: prefix }, { repos });
    let drainer: TestApp | undefined;
    try {
      const post = (i: number) => small.request('/v1/activities', { method: 'POST', json: { type: 'x', occurredAt: at(10 + i), email: `bp${i}@example.com` } });
      expect((await post(1)).status).toBe(202);
      await new Promise((r) => setTimeout(r, 300)); // past the 250 ms depth cache
      expect((await post(2)).status).toBe(202);
      await new Promise((r) => setTimeout(r, 300));

      const refused = await post(3);
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(await refused.json()).toMatchObject({ code: 'service_unavailable', status: 503 });
      // Without a worker both accepted activities wait, one job each.
      expect(await small.queue.getJobCountByTypes('waiting', 'prioritized')).toBe(2);

      // A worker catches up; intake accepts again.
      drainer = await startTestApp(redis.url, { ROLE: 'worker', REDIS_PREFIX: prefix }, { repos });
      await waitFor(async () => ((await small.queue.getJobCountByTypes('waiting', 'prioritized')) === 0 ? true : undefined), { what: 'the queue to drain' });
      await new Promise((r) => setTimeout(r, 300));
      expect((await post(3)).status).toBe(202);
    } finally {
      await drainer?.stop();
      await small.stop();
    }
  });
});
