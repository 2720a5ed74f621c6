import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { openApiDocument } from '../../src/api/openapi';
import { signatureHeaderValue } from '../../src/services/webhook-signature';
import { TEST_API_KEY } from '../support/app';
import { startLatencyProbe } from '../support/latency-probe';
import { drained, openQueue } from '../support/queue';
import { rawRequest, type RawRequest } from '../support/raw-http';
import { startTestRedis } from '../support/redis';
import { startService, type RunningService } from '../support/service';
import { SHARED_WEBHOOK_SECRET } from '../support/shared-store';
import { pool } from '../support/workload';

/**
 * Fuzz of every public route, against a real `src/main.ts` process: generated methods, path
 * parameters, query strings, headers and bodies (wrong types, huge and deep values, operator and
 * prototype keys, invalid UTF-8, wrong content types and encodings, gzip garbage), sent as raw
 * bytes. The routes come from the OpenAPI document, which test/integration/openapi-document.test.ts
 * proves equal to what the app serves, so a new route is fuzzed without touching this file.
 *
 * Asserted: no 5xx; the queue holds no job that no 2xx answer announced (a refused request enqueued
 * nothing); the process answers /healthz with p99 under 100 ms throughout (measured by a separate
 * prober process; plus the p99 of a bare HTTP server measured alongside, the machine's own noise). The seed is printed; FUZZ_SEED=<n> repeats a run, FUZZ_REQUESTS=<n> sizes it.
 */
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 5000);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const ADMIN_PASSWORD = `fuzz-admin-${randomBytes(16).toString('hex')}-Aa1!`;
const METRICS_TOKEN = `fuzz-metrics-${randomBytes(8).toString('hex')}`;

function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  return { next, int, pick, chance: (p: number) => next() < p };
}
type Rng = ReturnType<typeof prng>;

const EVIL_KEYS = ['__proto__', 'constructor', 'prototype', '$where', '$gt', '$ne', '$set', 'a.b', '$', 'toString', 'hasOwnProperty', '', ' ', '\u0000', 'type', 'email', 'fields'];
const EVIL_STRINGS = ['', ' ', 'null', 'undefined', 'NaN', '-1', '0', '1e309', '9'.repeat(40), '{"$gt":""}', '../../etc/passwd', '%00', '\u0000', '\ud83d', '💥'.repeat(50), '<script>alert(1)</script>', "' OR 1=1 --", 'a@b', 'x'.repeat(11_000), '2026-13-45T99:99:99Z', 'act_' + 'f'.repeat(64)];

function value(r: Rng, depth = 0): unknown {
  switch (r.int(depth > 3 ? 6 : 9)) {
    case 0: return r.pick(EVIL_STRINGS);
    case 1: return r.pick([0, -1, 1.5, 1e308, -0, Number.MAX_SAFE_INTEGER + 2, 42]);
    case 2: return r.pick([true, false, null]);
    case 3: return randomBytes(r.int(40)).toString(r.pick(['hex', 'base64', 'latin1'] as const));
    case 4: return `person${r.int(50)}@example.com`;
    case 5: return new Date(Date.UTC(2026, 0, 1) + r.int(1e9)).toISOString();
    case 6: return Array.from({ length: r.int(5) }, () => value(r, depth + 1));
    default: return object(r, depth + 1);
  }
}
function object(r: Rng, depth: number): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  // Own keys, "__proto__" included, as JSON.parse makes them on the server.
  for (let i = r.int(6); i > 0; i--) Object.defineProperty(o, r.chance(0.3) ? r.pick(EVIL_KEYS) : `k${r.int(20)}`, { value: value(r, depth), enumerable: true, writable: true, configurable: true });
  return o;
}
function deep(n: number, leaf: unknown = 1): string {
  return r0(n, '{"a":') + JSON.stringify(leaf) + '}'.repeat(n);
}
const r0 = (n: number, s: string) => s.repeat(n);

/** A plausible activity, then damaged: a field of the wrong type, an extra key, an evil key. */
function activity(r: Rng): Record<string, unknown> {
  const a: Record<string, unknown> = { type: 'form.submitted', occurredAt: '2026-01-01T00:00:00Z', email: `fuzz${r.int(1000)}@example.com`, fields: { company: 'Acme', seats: 3 } };
  const set = (o: object, k: string, v: unknown) => Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  if (r.chance(0.2)) set(a.fields as object, r.pick(EVIL_KEYS), value(r));
  for (let i = r.int(3); i > 0; i--) set(a, r.pick(['type', 'occurredAt', 'email', 'phone', 'fields', 'country', 'source', 'visitorId', r.pick(EVIL_KEYS)]), value(r));
  return a;
}

function jsonBody(r: Rng, path: string): Buffer {
  switch (r.int(12)) {
    case 0: return Buffer.from(deep(r.pick([40, 500, 5000, 50_000])));
    case 1: return Buffer.from(JSON.stringify({ activities: Array.from({ length: r.pick([0, 1, 3, 501]) }, () => activity(r)) }));
    case 2: return Buffer.from(JSON.stringify(value(r)));
    case 3: { // invalid UTF-8 inside an otherwise valid document
      const s = Buffer.from(JSON.stringify(activity(r)));
      const at = r.int(s.length);
      return Buffer.concat([s.subarray(0, at), Buffer.from(r.pick([[0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80]])), s.subarray(at)]);
    }
    case 4: return Buffer.from(JSON.stringify(activity(r)).slice(0, r.int(60))); // truncated
    case 5: return Buffer.from(JSON.stringify({ ...activity(r), huge: 'x'.repeat(r.pick([10_000, 300_000, 600_000])) }));
    case 6: return Buffer.from('{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"polluted":1}},"type":"x","occurredAt":"2026-01-01T00:00:00Z","email":"p@example.com"}');
    case 7: return Buffer.from(JSON.stringify({ type: { $gt: '' }, occurredAt: { $ne: null }, email: { $regex: '.*' }, fields: { $where: 'sleep(1000)' } }));
    case 8: return randomBytes(r.int(2000));
    case 9: return Buffer.from(JSON.stringify(path.includes('statuses') || path.includes('fields') ? { key: value(r), label: value(r), type: value(r) } : object(r, 0)));
    default: return Buffer.from(JSON.stringify(activity(r)));
  }
}

function queryValue(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v) ?? '';
  try {
    return encodeURIComponent(s);
  } catch {
    return '%ED%A0%BD'; // a lone surrogate: as invalid UTF-8 bytes, percent-encoded
  }
}

interface Route { method: string; path: string; params: string[]; query: string[] }
function routes(): Route[] {
  const doc = openApiDocument() as unknown as { paths: Record<string, Record<string, { parameters?: { in: string; name: string }[] }>> };
  const out: Route[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const ps = op.parameters ?? [];
      out.push({ method: method.toUpperCase(), path, params: ps.filter((p) => p.in === 'path').map((p) => p.name), query: ps.filter((p) => p.in === 'query').map((p) => p.name) });
    }
  }
  return out;
}

const PARAM_VALUES = ['default', 'scheduling', 'calcom', 'oncehub', 'typeform', 'chatbot', 'routing-form', 'nope', 'new', 'ct_0000', 'act_' + '0'.repeat(64), '__proto__', 'constructor', '%2e%2e%2f', '%FF%FE', '%00', 'a'.repeat(3000), '..', '$where', '%7B%22%24gt%22%3A%22%22%7D'];

function generate(r: Rng, route: Route): RawRequest {
  let target = route.path.replace(/\{(\w+)\}/g, () => r.pick(PARAM_VALUES));
  const q: string[] = [];
  for (const name of route.query) if (r.chance(0.5)) q.push(`${name}=${queryValue(value(r))}`);
  if (r.chance(0.25)) q.push(r.pick(['outcome[$ne]=x', '__proto__[admin]=1', 'constructor[prototype][x]=1', 'limit=-1', 'limit=1e309', 'limit=10&limit=20', 'cursor=%FF%FE', 'q=%00', `q=${'a'.repeat(6000)}`, 'sort[]=name', 'email[$regex]=.*', 'account=', 'account=__proto__']));
  if (q.length) target += `?${q.join('&')}`;
  const method = r.chance(0.9) ? route.method : r.pick(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'TRACE', 'PROPFIND']);

  const headers: [string, string | Buffer][] = [];
  const admin = route.path.startsWith('/admin') || route.path === '/metrics';
  const auth = r.int(10);
  if (auth < 6) headers.push(['Authorization', admin ? `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}` : `Bearer ${TEST_API_KEY}`]);
  else if (auth === 6) headers.push(['Authorization', r.pick(['Bearer', 'Bearer ', 'Basic !!!', `Bearer ${'k'.repeat(5000)}`, 'Basic YWRtaW46', `Bearer ${METRICS_TOKEN}`, 'Digest x'])]);
  else if (auth === 7) headers.push(['Authorization', Buffer.from([0x42, 0x65, 0x61, 0x72, 0x65, 0x72, 0x20, 0xff, 0xfe, 0x80])]);

  let body: Buffer | undefined;
  if (method !== 'GET' && method !== 'HEAD' && (r.chance(0.85) || route.method !== 'GET')) {
    body = route.path === '/v1/contacts/import' && r.chance(0.6)
      ? Buffer.from(r.pick(['email,phone\nfuzz@example.com,1\n', 'email\n"unterminated\n', 'a,b\n1,2\n', 'email,email\nx,y\n', `email\n${'x@example.com\n'.repeat(r.pick([2, 6000]))}`, '\ufeffemail;phone\r\n;\r\n']))
      : jsonBody(r, route.path);
  }
  const ctype = r.int(14);
  if (ctype < 8) headers.push(['Content-Type', route.path === '/v1/contacts/import' && ctype < 4 ? 'text/csv' : 'application/json']);
  else if (ctype < 13) headers.push(['Content-Type', r.pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', 'application/json; charset=latin1', 'application/xml', 'application/merge-patch+json', '*/*', 'application/json, text/csv'])]);
  if (body && r.chance(0.12)) {
    const enc = r.pick(['gzip', 'gzip', 'deflate', 'br', 'x-unknown', 'gzip, gzip']);
    headers.push(['Content-Encoding', enc]);
    if (enc === 'gzip' && r.chance(0.5)) body = r.chance(0.5) ? gzipSync(body) : Buffer.concat([gzipSync(body).subarray(0, 12), randomBytes(64)]);
    else if (enc === 'gzip') body = randomBytes(r.int(300)); // gzip garbage
    else if (enc === 'gzip, gzip') body = gzipSync(gzipSync(Buffer.from(deep(100))));
  }
  if (r.chance(0.3)) headers.push(['Idempotency-Key', r.pick(['k', '', ' ', 'x'.repeat(300), 'é', `fz-${r.int(1e6)}`, '\t'])]);
  if (r.chance(0.05)) headers.push(['If-Match', r.pick(['"1"', '*', 'W/"x"', '"' + 'x'.repeat(500) + '"'])]);
  if (route.path.startsWith('/v1/webhooks') && body && r.chance(0.5)) {
    // Correctly signed garbage: gets past the signature to the parsers behind it.
    headers.push([r.pick(['Contactflow-Signature', 'Oncehub-Signature', 'X-Cal-Signature-256', 'Typeform-Signature']), signatureHeaderValue(SHARED_WEBHOOK_SECRET, Math.floor(Date.now() / 1000), body)]);
  }
  if (r.chance(0.05)) headers.push(['Content-Length', r.pick(['-1', 'abc', '99999999999', '0'])]);
  if (r.chance(0.03)) headers.push(['Transfer-Encoding', 'chunked']);
  return { method, target, headers, body };
}

/** An invalid UTF-8 percent-escape (a lone continuation or lead byte) before any query string. */

let redis: Awaited<ReturnType<typeof startTestRedis>>;
let service: RunningService | undefined;
let q: ReturnType<typeof openQueue> | undefined;

beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await service?.stop();
  await q?.close();
  await redis?.cleanup();
});

/** Ids a 2xx answer announced as accepted (single, batch, import, webhook, page view). */
function announcedIds(body: Buffer): string[] {
  try {
    const j = JSON.parse(body.toString('utf8'));
    const ids: string[] = [];
    if (typeof j?.id === 'string' && typeof j?.status === 'string') ids.push(j.id);
    for (const x of Array.isArray(j?.results) ? j.results : []) if (typeof x?.id === 'string') ids.push(x.id);
    return ids;
  } catch {
    return [];
  }
}

describe(`fuzz: ${REQUESTS} generated requests over every public route`, () => {
  it('no 5xx, nothing enqueued for a refused request, /healthz p99 under 100 ms throughout', async () => {
    const prefix = `{fz${randomBytes(4).toString('hex')}}`;
    service = await startService({ REDIS_URL: redis.url, REDIS_PREFIX: prefix, ADMIN_PASSWORD, METRICS_TOKEN, WORKER_CONCURRENCY: '8',
      // A request that announces more body than it sends (a fuzzed Content-Length) waits for this.
      HTTP_HEADERS_TIMEOUT_MS: '2000', HTTP_REQUEST_TIMEOUT_MS: '3000',
      // Thousands of fuzzed bad credentials from one address would get it blocked (429) and end the fuzz's reach.
      AUTH_FAILURES_PER_MINUTE: '1000000' });
    q = openQueue(redis.url, prefix);
    const jobIds = async () => new Set((await q!.queue.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized'], 0, -1)).map((j) => j.id!));
    const before = await jobIds();

    const r = prng(SEED);
    const all = routes();
    const requests = Array.from({ length: REQUESTS }, (_, i) => {
      const route = all[i % all.length]!; // every route gets its share
      return { route: `${route.method} ${route.path}`, req: generate(r, route) };
    });
    const statuses: Record<string, number> = {};
    const fiveXX: string[] = [];
    const announced = new Set<string>();
    const startedAt = Date.now();
    const probe = startLatencyProbe(service.port);
    await pool(requests, 8, async ({ route, req }) => {
      let status: number | string;
      try {
        const res = await rawRequest(service!.port, req, 10_000);
        status = res.status;
        if (res.status >= 500) fiveXX.push(`${res.status} ${route} ${req.method} ${String(req.target).slice(0, 120)}: ${res.body.toString('utf8').slice(0, 200)}`);
        if (res.status >= 200 && res.status < 300) for (const id of announcedIds(res.body)) announced.add(id);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EPIPE' || code === 'ECONNRESET') {
          // The server answered early (413, 400) and closed with the body unread: the kernel then
          // resets the connection and the answer can be lost. Not a 5xx; a crash would show in /healthz.
          status = 'reset before the body was sent';
        } else {
          status = 'no answer';
          fiveXX.push(`${route} ${req.method}: ${(err as Error).message}`);
        }
      }
      statuses[status] = (statuses[status] ?? 0) + 1;
    });
    const latency = await probe.stop();
    const seconds = (Date.now() - startedAt) / 1000;
    await drained(q.queue);
    const after = await jobIds();
    const unannounced = [...after].filter((id) => !before.has(id) && !announced.has(id));
    process.stdout.write(
      `fuzz: seed=${SEED} requests=${REQUESTS} routes=${all.length} in ${seconds.toFixed(1)} s; statuses ${JSON.stringify(statuses)}; ` +
        `jobs ${before.size} → ${after.size} (announced by 2xx ${announced.size}); /healthz ${JSON.stringify(latency)}\n`,
    );

    expect(fiveXX).toEqual([]);
    expect(unannounced).toEqual([]);
    expect(latency.failures).toBe(0);
    expect(latency.samples).toBeGreaterThan(50);
    // 100 ms is the bound; the margin is what the machine itself adds at that moment, measured on a
    // bare HTTP server next to it (other suites and processes share these two cores in CI). On a
    // quiet machine the control's p99 is a few ms and the bound is 100 ms in effect.
    expect(latency.p99).toBeLessThan(100 + latency.control.p99);
    expect((await fetch(`${service.baseUrl}/healthz`)).status).toBe(200);
  }, 150_000);

  it('a path parameter with an invalid percent-escape is a 400 naming it, not a 500', async () => {
    const res = await fetch(`${service!.baseUrl}/v1/contacts/%FF%FE`, { headers: { authorization: `Bearer ${TEST_API_KEY}` } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'invalid_path' });
  });
});
