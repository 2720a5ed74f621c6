import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { signatureHeaderValue } from '../../src/services/webhook-signature';
import { TEST_API_KEY } from '../support/app';
import { deliver, loadIdentifiers, LoadRecord, loadItems, suppressPerson } from '../support/fault-load';
import { dumpRedis, findPii } from '../support/pii';
import { drained, openQueue } from '../support/queue';
import { startTestRedis } from '../support/redis';
import { startService, type RunningService } from '../support/service';
import { SHARED_WEBHOOK_SECRET } from '../support/shared-store';
import { pool } from '../support/workload';

/**
 * No email or phone of the test data in clear text in the logs (every line the process wrote, at
 * debug level) or in Redis (every key, every value, whatever its type; and the append-only file on
 * disk), after a run through every intake route: single, batch, page views, CSV import, a webhook
 * that fails (its payload stays in the failed set), a contact edit, an erase with suppression.
 * The other fault suites check their own processes' logs the same way.
 */
const PERSONS = 20;
const EXTRA = ['Batch.Person@Example.net', '+44 20 7946 0958', 'import.person@example.net', '(212) 555-0143', 'webhook.person@example.net', '+33 1 42 68 53 00', 'edited.person@example.net'];

let redis: Awaited<ReturnType<typeof startTestRedis>>;
let service: RunningService | undefined;
let q: ReturnType<typeof openQueue> | undefined;
const identifiers = [...loadIdentifiers(PERSONS), ...EXTRA, '+442079460958', '+12125550143', '+33142685300'];

beforeAll(async () => {
  redis = await startTestRedis();
  const prefix = `{pii${randomBytes(4).toString('hex')}}`;
  service = await startService({ REDIS_URL: redis.url, REDIS_PREFIX: prefix, LOG_LEVEL: 'debug', WORKER_CONCURRENCY: '4' });
  q = openQueue(redis.url, prefix);
  const base = service.baseUrl;
  const h = { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' };

  await suppressPerson(base, TEST_API_KEY);
  const record = new LoadRecord();
  await pool(loadItems(300, { persons: PERSONS, apiKey: TEST_API_KEY, webhookSecret: SHARED_WEBHOOK_SECRET, namespace: 'pii' }), 8, async (item) => void (await deliver([base], item, record)));
  await fetch(`${base}/v1/activities/batch`, {
    method: 'POST',
    headers: h,
    body: JSON.stringify({ activities: [{ type: 'x', occurredAt: '2026-01-01T00:00:00Z', email: EXTRA[0], phone: EXTRA[1], country: 'GB' }, { type: 'x', occurredAt: 'bad', email: EXTRA[0] }] }),
  });
  await fetch(`${base}/v1/contacts/import`, { method: 'POST', headers: { ...h, 'content-type': 'text/csv' }, body: `email,phone\n${EXTRA[2]},${EXTRA[3]}\n,\n` });
  await fetch(`${base}/v1/page-views`, { method: 'POST', headers: h, body: JSON.stringify({ visitorId: 'v-pii', url: `https://example.com/?email=${EXTRA[4]}`, viewedAt: '2026-01-01T00:00:00Z' }) });
  // A webhook its mapper cannot read, carrying identifiers: it waits in the failed set.
  const hook = JSON.stringify({ id: 'evt_pii', triggerEvent: 'BOOKING_CREATED', createdAt: 'not a time', payload: { attendees: [{ email: EXTRA[4], phone: EXTRA[5] }] } });
  await fetch(`${base}/v1/webhooks/scheduling?account=default`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'contactflow-signature': signatureHeaderValue(SHARED_WEBHOOK_SECRET, Math.floor(Date.now() / 1000), hook) },
    body: hook,
  });
  // Refused requests carrying identifiers are logged too.
  await fetch(`${base}/v1/activities`, { method: 'POST', headers: h, body: JSON.stringify({ type: 'x', occurredAt: 'not a date', email: EXTRA[6], bogus: EXTRA[5] }) });
  await fetch(`${base}/v1/contacts?email=${encodeURIComponent(EXTRA[6]!)}`, { headers: h });
  await drained(q.queue);
  const contacts = (await (await fetch(`${base}/v1/contacts?limit=5`, { headers: h })).json()) as { data: { id: string }[] };
  await fetch(`${base}/v1/contacts/${contacts.data[0]!.id}`, { method: 'PATCH', headers: h, body: JSON.stringify({ email: EXTRA[6] }) });
  await fetch(`${base}/v1/contacts/${contacts.data[1]!.id}/erase`, { method: 'POST', headers: h, body: JSON.stringify({ suppress: true }) });
}, 90_000);

afterAll(async () => {
  await service?.stop();
  await q?.close();
  await redis?.cleanup();
});

describe('no email or phone of the test data in clear text', () => {
  it('in the logs', () => {
    const logs = service!.output();
    expect(logs.split('\n').length).toBeGreaterThan(20); // the capture worked
    expect(findPii(logs, identifiers)).toEqual([]);
  });

  it('in any key or value in Redis', async () => {
    const dump = await dumpRedis(redis.url);
    process.stdout.write(`pii: ${dump.keys} Redis keys read\n`);
    expect(dump.keys).toBeGreaterThan(100);
    // The dump holds the jobs' data (sealed), and the search finds an identifier where one is.
    expect([...dump.byKey.values()].filter((v) => v.includes('"data"')).length).toBeGreaterThan(250); // ~300 activities sent
    expect(findPii(`${dump.text} {"email":"${EXTRA[0]}"}`, identifiers).length).toBeGreaterThan(0);
    expect(findPii(dump.text, identifiers).map((f) => f.excerpt)).toEqual([]);
  });

  it('in Redis’s append-only file on disk', async () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const f of readdirSync(dir)) {
        const p = path.join(dir, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (/aof/i.test(p)) files.push(p);
      }
    };
    walk(redis.dir);
    expect(files.length).toBeGreaterThan(0);
    const text = files.map((f) => readFileSync(f, 'latin1')).join('\n').replace(/\\"/g, '"');
    expect(findPii(text, identifiers).map((f) => f.excerpt)).toEqual([]);
  });
});
