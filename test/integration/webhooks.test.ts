import { signatureHeaderValue } from '../../src/services/webhook-signature';
import { activityJobCount, startTestApp, type TestApp } from '../support/app';
import { startTestRedis } from '../support/redis';
import { fixtureBytes } from '../support/webhook-fixtures';

type Redis = Awaited<ReturnType<typeof startTestRedis>>;

const CURRENT = 'whsec_test_current_0123456789abcdef';
const PREVIOUS = 'whsec_test_previous_0123456789abcdef';

let redis: Redis;
let app: TestApp;

beforeAll(async () => {
  redis = await startTestRedis();
  app = await startTestApp(redis.url, { WEBHOOK_SECRET: CURRENT, WEBHOOK_SECRET_PREVIOUS: PREVIOUS, WEBHOOK_BODY_LIMIT: '8kb' });
});

afterAll(async () => {
  await app?.stop();
  await redis?.cleanup();
});

const now = () => Math.floor(Date.now() / 1000);

interface SendOptions {
  secrets?: string | string[] | null;
  timestamp?: number;
  /** Bytes actually sent, when they differ from the signed ones (tampering). */
  sentBody?: Buffer;
  account?: string | null;
  headers?: Record<string, string>;
}

async function send(provider: string, body: Buffer, opts: SendOptions = {}) {
  const { secrets = CURRENT, timestamp = now(), sentBody = body, account = app.account } = opts;
  const headers = new Headers({ 'content-type': 'application/json', ...opts.headers });
  if (secrets !== null) headers.set('Contactflow-Signature', signatureHeaderValue(secrets, timestamp, body));
  const qs = account === null ? '' : `?account=${encodeURIComponent(account)}`;
  const res = await fetch(`${app.baseUrl}/v1/webhooks/${provider}${qs}`, { method: 'POST', headers, body: sentBody });
  return { res, body: (await res.json()) as Record<string, any> };
}


async function contactOf(activityId: string) {
  const settled = await app.settled(activityId);
  expect(settled.status).toBe('processed');
  return (await (await app.request(`/v1/contacts/${settled.contactId}`)).json()) as Record<string, any>;
}

describe('POST /v1/webhooks/:provider → worker → contact', () => {
  it('scheduling: created, rescheduled and canceled land on one contact; the meetings’ facts stay on the activities', async () => {
    const created = await send('scheduling', fixtureBytes('scheduling.booking-created'));
    expect(created.res.status).toBe(202);
    expect(created.body).toEqual({ id: expect.stringMatching(/^act_[0-9a-f]{32}$/), status: 'queued' });
    expect(created.res.headers.get('location')).toBe(`/v1/activities/${created.body.id}`);
    const first = await contactOf(created.body.id);
    expect(first).toMatchObject({
      email: 'jane.doe+demo@example.com',
      phone: '+14155552671',
      fields: {
        company: { value: 'Globex', source: 'scheduling', setAt: '2026-03-02T15:04:05.000Z' },
        team_size: { value: 35 },
        interests: { value: 'Routing, Enrichment' },
      },
    });
    for (const key of ['eventType', 'startTime', 'cancellationReason']) expect(first.fields).not.toHaveProperty(key);

    const rescheduled = await send('scheduling', fixtureBytes('scheduling.booking-rescheduled'));
    const canceled = await send('scheduling', fixtureBytes('scheduling.booking-canceled'));
    const after = await contactOf(rescheduled.body.id);
    await app.settled(canceled.body.id);
    const final = (await (await app.request(`/v1/contacts/${after.id}`)).json()) as Record<string, any>;
    expect(final.id).toBe(first.id);
    expect(final.fields).toMatchObject({
      company: { value: 'Globex Corporation', setAt: '2026-03-04T09:12:44.000Z' }, // newer event wins
    });
    for (const key of ['eventType', 'startTime', 'cancellationReason']) expect(final.fields).not.toHaveProperty(key);
    expect(final.recentActivities.map((a: { type: string }) => a.type)).toEqual(['booking.canceled', 'booking.rescheduled', 'booking.created']);
    const timeline = (await (await app.request(`/v1/contacts/${final.id}/activities`)).json()) as { data: Record<string, any>[] };
    expect(timeline.data.map((a) => [a.type, a.details])).toEqual([
      ['booking.canceled', expect.objectContaining({ cancellationReason: 'We picked another vendor', eventType: 'discovery-call' })],
      ['booking.rescheduled', expect.objectContaining({ startTime: '2026-03-11T17:00:00.000Z', rescheduleUid: 'bFJeNb2uX8ANpT3JL5EfXw' })],
      ['booking.created', expect.objectContaining({ startTime: '2026-03-09T16:00:00.000Z', eventType: 'discovery-call' })],
    ]);
  });

  it('chatbot: typed answers become fields, the phone is parsed with the visitor country', async () => {
    const { res, body } = await send('chatbot', fixtureBytes('chatbot.conversation-completed'));
    expect(res.status).toBe(202);
    const contact = await contactOf(body.id);
    expect(contact).toMatchObject({
      email: 'peter.gibbons@initech.example',
      phone: '+442071838750',
      fields: {
        company: { value: 'Initech', source: 'chatbot', setAt: '2026-03-04T14:00:00.000Z' },
        company_size: { value: '51-200' },
        wants_demo: { value: true },
        playbook: { value: 'Pricing page qualifier' },
      },
    });
  });

  it('routing form: answers by field ref and hidden UTM fields, mapped to the account’s contact fields', async () => {
    const { res, body } = await send('routing-form', fixtureBytes('routing-form.form-response'));
    expect(res.status).toBe(202);
    const contact = await contactOf(body.id);
    expect(contact).toMatchObject({
      email: 'grace.hopper@navy.example',
      phone: '+12025550143',
      fields: {
        // first_name and utm_campaign are source names of the default fields firstName / firstCampaign.
        firstName: { value: 'Grace', source: 'routing-form', setAt: '2026-03-06T09:01:47.000Z' },
        seats: { value: 25 },
        firstCampaign: { value: 'spring-launch' },
        form_title: { value: 'Talk to sales' },
      },
    });
  });

  it('a redelivery (same provider event id) answers 202 duplicate with the same id and enqueues nothing', async () => {
    const bytes = fixtureBytes('routing-form.form-response');
    const first = await send('routing-form', bytes);
    await app.settled(first.body.id);
    const before = await activityJobCount(app);
    // A redelivery is signed anew (new timestamp), the event id is what makes it the same.
    const again = await send('routing-form', bytes, { timestamp: now() - 5 });
    expect(again.res.status).toBe(202);
    expect(again.body).toEqual({ id: first.body.id, status: 'duplicate' });
    expect(await activityJobCount(app)).toBe(before);
  });

  it('a signed body nested past the limit is a 400 for it alone: activities sent at the same moment are all accepted', async () => {
    const depth = 3000;
    const deep = Buffer.from(`{"id":"evt_deep","payload":${'['.repeat(depth)}${']'.repeat(depth)}}`);
    const before = await activityJobCount(app);
    const neighbours = Array.from({ length: 20 }, (_, i) =>
      app.request('/v1/activities', { method: 'POST', json: { type: 'x', occurredAt: new Date().toISOString(), email: `deep-neighbour-${i}@example.com` } }),
    );
    const [refused, ...answers] = await Promise.all([send('scheduling', deep), ...neighbours]);
    expect(refused.res.status).toBe(400);
    expect(refused.body).toMatchObject({ code: 'validation_failed', errors: [{ path: expect.stringMatching(/^payload\.0\.0\./), message: 'nested deeper than 32 levels' }] });
    expect(answers.map((r) => r.status)).toEqual(Array(20).fill(202));
    expect(await activityJobCount(app)).toBe(before + 20);
  });

  it('a signed body holding a lone surrogate is a 400 naming its path, and nothing is enqueued', async () => {
    const before = await activityJobCount(app);
    const refused = await send('scheduling', Buffer.from('{"id":"evt_sur","payload":{"invitee":{"name":"\\ud83d"}}}'));
    expect(refused.res.status).toBe(400);
    expect(refused.body).toMatchObject({ code: 'validation_failed', errors: [{ path: 'payload.invitee.name', message: 'not well-formed Unicode (lone surrogate)' }] });
    expect(await activityJobCount(app)).toBe(before);
  });

  it('a signed body with a huge key, or an array or object of more than 10,000 entries, is a 400 naming where, and nothing is enqueued', async () => {
    // The suite's app takes 8 KB bodies; these need more, within the default 512 KB.
    const roomy = await startTestApp(redis.url, { WEBHOOK_SECRET: CURRENT });
    try {
      const cases: [string, string, string][] = [
        [`{"id":"evt_key","payload":{"${'k'.repeat(60_000)}":1}}`, 'payload', 'a key longer than 256 characters'],
        [`{"id":"evt_arr","payload":{"answers":[${Array(10_001).fill('1').join(',')}]}}`, 'payload.answers', 'more than 10000 items'],
        [`{"id":"evt_obj","payload":{${Array.from({ length: 10_001 }, (_, i) => `"k${i}":1`).join(',')}}}`, 'payload', 'more than 10000 keys'],
      ];
      for (const [body, path, message] of cases) {
        const headers = { 'content-type': 'application/json', 'contactflow-signature': signatureHeaderValue(CURRENT, now(), body) };
        const res = await fetch(`${roomy.baseUrl}/v1/webhooks/scheduling?account=${roomy.account}`, { method: 'POST', headers, body });
        expect(res.status).toBe(400);
        expect(await res.json()).toMatchObject({ code: 'validation_failed', errors: [{ path, message }] });
      }
      expect(await roomy.queue.count()).toBe(0);
    } finally {
      await roomy.stop();
    }
  });

  it('a payload its mapper cannot read is accepted, then fails permanently (replayable after a fix)', async () => {
    const bytes = Buffer.from(JSON.stringify({ id: 'evt_weird_1', triggerEvent: 'BOOKING_CREATED', createdAt: 'not a time' }));
    const { res, body } = await send('scheduling', bytes);
    expect(res.status).toBe(202);
    const settled = await app.settled(body.id);
    expect(settled).toMatchObject({ status: 'failed', error: expect.stringMatching(/^invalid_provider_payload: scheduling payload/) });
    const job = await app.queue.getJob(body.id);
    expect(job!.attemptsMade).toBeLessThanOrEqual(1); // not retried
    expect(app.sealer.open(job!.data)).toMatchObject({ kind: 'webhook', provider: 'scheduling', payload: JSON.parse(bytes.toString()) });
  });
});

describe('webhook signatures', () => {
  const bytes = () => fixtureBytes('chatbot.conversation-completed');

  async function expectRejected(result: Awaited<ReturnType<typeof send>>, detail: RegExp) {
    expect(result.res.status).toBe(401);
    expect(result.res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(result.body).toMatchObject({ status: 401, code: 'unauthorized', detail: expect.stringMatching(detail) });
  }

  it('rejects unsigned, wrong secret, tampered body, stale or future timestamps: 401 and nothing enqueued', async () => {
    const before = await activityJobCount(app);
    await expectRejected(await send('chatbot', bytes(), { secrets: null }), /header is required/);
    await expectRejected(await send('chatbot', bytes(), { secrets: 'whsec_somebody_else_0123456789' }), /No signature matches/);
    const tampered = Buffer.from(bytes().toString().replace('Initech', 'Initrode'));
    await expectRejected(await send('chatbot', bytes(), { sentBody: tampered }), /No signature matches/);
    await expectRejected(await send('chatbot', bytes(), { timestamp: now() - 301 }), /tolerance/);
    await expectRejected(await send('chatbot', bytes(), { timestamp: now() + 600 }), /tolerance/);
    await expectRejected(await send('chatbot', bytes(), { headers: {}, secrets: null, account: app.account }), /required/);
    expect(await activityJobCount(app)).toBe(before);
  });

  it('verifies the raw bytes: re-serialized JSON of the same object does not verify', async () => {
    const raw = bytes();
    const compact = Buffer.from(JSON.stringify(JSON.parse(raw.toString())));
    await expectRejected(await send('chatbot', raw, { sentBody: compact }), /No signature matches/);
  });

  it('rotation: the previous secret still verifies, and so does a header signed with both', async () => {
    const payload = (id: string) => Buffer.from(bytes().toString().replace('wh_01HQ7ZP4M2K8R6T9V3X5B7N1C4', id));
    expect((await send('chatbot', payload('wh_rot_prev'), { secrets: PREVIOUS })).res.status).toBe(202);
    expect((await send('chatbot', payload('wh_rot_both'), { secrets: [PREVIOUS, CURRENT] })).res.status).toBe(202);
    expect((await send('chatbot', payload('wh_rot_old'), { secrets: 'whsec_retired_long_ago_0123456789' })).res.status).toBe(401);
  });

  it('an unknown account looks like a bad signature; a missing account is a 400; an unknown provider a 404', async () => {
    await expectRejected(await send('chatbot', bytes(), { account: 'nobody' }), /No signature matches/);
    await expectRejected(await send('chatbot', bytes(), { account: '../etc' }), /No signature matches/);
    const missing = await send('chatbot', bytes(), { account: null });
    expect(missing.res.status).toBe(400);
    const unknown = await send('smoke-signals', bytes());
    expect(unknown.res.status).toBe(404);
    expect(unknown.body).toMatchObject({ code: 'unknown_provider', detail: expect.stringContaining('scheduling') });
  });

  it('a signed body that is not JSON is a 400; one over the route limit a 413, before any parsing', async () => {
    const notJson = await send('chatbot', Buffer.from('a=1&b=2'));
    expect(notJson.res.status).toBe(400);
    expect(notJson.body).toMatchObject({ code: 'malformed_json' });
    const big = Buffer.from(JSON.stringify({ id: 'evt_big', pad: 'x'.repeat(9 * 1024) }));
    const tooLarge = await send('chatbot', big);
    expect(tooLarge.res.status).toBe(413);
    expect(tooLarge.res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(tooLarge.body).toMatchObject({ code: 'payload_too_large' });
  });
});
