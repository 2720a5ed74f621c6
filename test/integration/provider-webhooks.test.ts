import { timelinePageSchema } from '../../src/api/api-schemas';
import { signatureSchemeFor } from '../../src/services/signatures';
import { activityJobCount, startTestApp, type TestApp } from '../support/app';
import { startTestRedis } from '../support/redis';
import { fixtureBytes } from '../support/webhook-fixtures';

/**
 * Real provider webhooks (OnceHub, Calendly, Cal.com, Typeform) through the real app: each provider's
 * documented example payload (test/fixtures/webhooks/README.md says where each comes from), signed
 * with that provider's own scheme, → 202 → the worker → the contact (contact facts) and its
 * timeline (the meeting's or form's facts, as activity details).
 */

type Redis = Awaited<ReturnType<typeof startTestRedis>>;

const CURRENT = 'whsec_provider_current_0123456789abcdef';
const ADMIN_PASSWORD = 'provider webhooks admin password';

let redis: Redis;
let app: TestApp;

beforeAll(async () => {
  redis = await startTestRedis();
  // DE as the account's default country: a US number written without +1 parses only with the
  // provider's time-zone hint.
  app = await startTestApp(redis.url, { WEBHOOK_SECRET: CURRENT, ADMIN_PASSWORD, DEFAULT_COUNTRY: 'DE' });
  // The account's contact fields decide which answers land on the contact: OnceHub's "Office size"
  // custom field, and Typeform's first-name question by its ref.
  const created = await app.request('/v1/contact-fields', {
    method: 'POST',
    json: { key: 'officeSize', label: 'Office size', type: 'text', sourceNames: ['Office size'] },
  });
  expect(created.status).toBe(201);
  const patched = await app.request('/v1/contact-fields/firstName', {
    method: 'PATCH',
    json: { sourceNames: ['first_name', 'given_name', 'fname', 'readable_ref_short_text'] },
  });
  expect(patched.status).toBe(200);
});

afterAll(async () => {
  await app?.stop();
  await redis?.cleanup();
});

const now = () => Math.floor(Date.now() / 1000);

interface SendOptions {
  secret?: string | null;
  timestamp?: number;
  /** Bytes actually sent, when they differ from the signed ones (tampering). */
  sentBody?: Buffer;
}

async function send(provider: string, body: Buffer, opts: SendOptions = {}) {
  const { secret = CURRENT, timestamp = now(), sentBody = body } = opts;
  const scheme = signatureSchemeFor(provider);
  const headers = new Headers({ 'content-type': 'application/json' });
  if (secret !== null) headers.set(scheme.header, scheme.sign(secret, body, timestamp));
  const res = await fetch(`${app.baseUrl}/v1/webhooks/${provider}?account=${app.account}`, { method: 'POST', headers, body: sentBody });
  return { res, body: (await res.json()) as Record<string, any> };
}

async function processed(activityId: string) {
  const settled = await app.settled(activityId);
  expect(settled).toMatchObject({ status: 'processed' });
  const contact = (await (await app.request(`/v1/contacts/${settled.contactId}`)).json()) as Record<string, any>;
  const timeline = timelinePageSchema.parse(await (await app.request(`/v1/contacts/${settled.contactId}/activities`)).json());
  return { contact, timeline: timeline.data, activity: timeline.data.find((a) => a.id === activityId)! };
}

/** A documented fixture with its event id (and so its idempotency key) replaced. */
function variant(name: string, documentedId: string, id: string): Buffer {
  return Buffer.from(fixtureBytes(name).toString().split(documentedId).join(id));
}

describe('OnceHub (Oncehub-Signature)', () => {
  it('booking.scheduled, the documented sample: the customer lands on the contact, the booking stays on the activity', async () => {
    const { res, body } = await send('oncehub', fixtureBytes('oncehub.booking-scheduled'));
    expect(res.status).toBe(202);
    expect(body).toEqual({ id: expect.stringMatching(/^act_[0-9a-f]{32}$/), status: 'queued' });
    const { contact, activity } = await processed(body.id);
    expect(contact).toMatchObject({
      email: 'so.carrie.customer@gmail.com',
      phone: '+12025550195', // mobile_phone "1-2025550195", read with America/New_York → US
      fields: {
        firstName: { value: 'Carrie', source: 'oncehub', setAt: '2018-03-22T09:49:12.000Z' },
        lastName: { value: 'Customer' },
        officeSize: { value: '30-50 people' }, // a custom field the account's contact field claims
      },
    });
    for (const key of ['Title', 'Industry', 'subject', 'startTime', 'eventType', 'cancellationReason', 'note']) {
      expect(contact.fields).not.toHaveProperty(key);
    }
    expect(activity).toMatchObject({
      type: 'booking.scheduled',
      source: 'oncehub',
      occurredAt: '2018-03-22T09:49:12.000Z',
      details: {
        subject: 'Live demo',
        startTime: '2020-03-22T04:30:00.000Z',
        durationMinutes: 60,
        timeZone: 'America/New_York',
        eventType: 'ET-7I7PKDTFJS',
        location: '123 Office Street',
        Title: 'Executive Assistant', // custom fields no contact field claims
        Industry: 'Lawnscaping services',
        note: 'I want to discuss whether your product can work for our office.',
      },
    });
    expect(activity.details).not.toHaveProperty('Office size');
  });

  it('the exact body of OnceHub’s signature example (v2, expanded event type) verifies and maps', async () => {
    const { res, body } = await send('oncehub', fixtureBytes('oncehub.booking-scheduled-v2'));
    expect(res.status).toBe(202);
    const { contact, activity } = await processed(body.id);
    expect(contact).toMatchObject({ email: 'carrie@customer.com', fields: { firstName: { value: 'Carrie' } } });
    expect(activity.details).toMatchObject({ eventType: '15-minute meeting', startTime: '2021-01-20T16:45:00.000Z', durationMinutes: 15 });
  });

  it('conversation.closed: the chatbot’s answers find the same person; unmapped answers stay on the activity', async () => {
    const booking = await send('oncehub', fixtureBytes('oncehub.booking-scheduled'));
    const { contact: before } = await processed(booking.body.id);
    const { res, body } = await send('oncehub', fixtureBytes('oncehub.conversation-closed'));
    expect(res.status).toBe(202);
    const { contact, activity } = await processed(body.id);
    expect(contact.id).toBe(before.id);
    expect(activity).toMatchObject({ type: 'conversation.closed', details: { 'Meeting location': '123 Office Street', status: 'closed' } });
    expect(contact.fields).not.toHaveProperty('Meeting location');
  });
});

describe('Calendly (Calendly-Webhook-Signature)', () => {
  // Calendly's examples use test@example.com, which the identity policy blocks as a placeholder
  // people type to get past a form; a real address shows the invitee landing on one contact.
  const invitee = (name: string) => Buffer.from(fixtureBytes(name).toString().split('test@example.com').join('john.doe@example.net'));

  it('invitee.created: the invitee, their company answer and first-touch UTM land on the contact; the meeting stays on the activity', async () => {
    const { res, body } = await send('calendly', invitee('calendly.invitee-created'));
    expect(res.status).toBe(202);
    expect(body).toEqual({ id: expect.stringMatching(/^act_[0-9a-f]{32}$/), status: 'queued' });
    const { contact, activity } = await processed(body.id);
    expect(contact).toMatchObject({
      email: 'john.doe@example.net',
      phone: '+14045551234', // text_reminder_number "404-555-1234", read with America/New_York → US
      fields: {
        firstName: { value: 'John', source: 'calendly', setAt: '2020-11-23T17:51:19.000Z' },
        lastName: { value: 'Doe' },
        company: { value: 'Acme Inc.' }, // the "Company" question, claimed by the default company field
        firstCampaign: { value: 'spring_sale' },
        firstSource: { value: 'newsletter' },
      },
    });
    for (const key of ['eventName', 'startTime', 'What would you like to discuss?', 'utm_medium', 'rescheduled']) {
      expect(contact.fields).not.toHaveProperty(key);
    }
    expect(activity).toMatchObject({
      type: 'invitee.created',
      source: 'calendly',
      occurredAt: '2020-11-23T17:51:19.000Z',
      details: {
        eventName: '15 Minute Meeting',
        startTime: '2020-11-24T14:15:00.000Z',
        location: 'Calendly Office',
        'What would you like to discuss?': 'Pricing for 50 seats',
        utm_medium: 'email',
        rescheduled: false,
      },
    });
  });

  it('invitee.canceled and invitee_no_show.created of the same invitee are other events (their own keys) on the same contact', async () => {
    const created = await send('calendly', invitee('calendly.invitee-created'));
    const { contact: before } = await processed(created.body.id);
    const canceled = await send('calendly', invitee('calendly.invitee-canceled'));
    expect(canceled.res.status).toBe(202);
    expect(canceled.body.id).not.toBe(created.body.id);
    const afterCancel = await processed(canceled.body.id);
    expect(afterCancel.contact.id).toBe(before.id);
    expect(afterCancel.activity).toMatchObject({
      type: 'invitee.canceled',
      details: { cancellationReason: 'Schedule conflict', canceledBy: 'John Doe', cancelerType: 'invitee' },
    });
    expect(afterCancel.contact.fields).not.toHaveProperty('cancellationReason');

    const noShow = await send('calendly', invitee('calendly.invitee-no-show-created'));
    const afterNoShow = await processed(noShow.body.id);
    expect(afterNoShow.contact.id).toBe(before.id);
    expect(afterNoShow.activity).toMatchObject({ type: 'invitee_no_show.created', details: { noShow: true } });
  });

  it('invitee.created as Calendly support published it: null phone and tracking leave nothing; the invitee lands on the contact', async () => {
    // The published example uses the same placeholder invitee URI as calendly.invitee-created (so the same
    // idempotency key, already used above): a distinct invitee id lets it be processed rather than deduplicated.
    const { res, body } = await send('calendly', variant('calendly.invitee-created.stackoverflow', 'invitees/AAAAAAAAAAAAAAAA', 'invitees/AAAAAAAAAAAAAAAA-published'));
    expect(res.status).toBe(202);
    expect(body).toEqual({ id: expect.stringMatching(/^act_[0-9a-f]{32}$/), status: 'queued' });
    const { contact, activity } = await processed(body.id);
    expect(contact).toMatchObject({
      email: 'john.doe@example.org',
      phone: null, // text_reminder_number: null
      fields: { firstName: { value: 'John', source: 'calendly', setAt: '2020-11-23T17:51:19.000Z' }, lastName: { value: 'Doe' } },
    });
    expect(Object.keys(contact.fields).sort()).toEqual(['firstName', 'lastName']); // null UTM values fill no first-touch field
    expect(activity).toMatchObject({
      type: 'invitee.created',
      source: 'calendly',
      occurredAt: '2020-11-23T17:51:19.000Z',
      details: { scheduledEvent: 'https://api.calendly.com/scheduled_events/GBGBDCAADAEDCRZ2', status: 'active', timeZone: 'America/New_York', rescheduled: false },
    });
    for (const key of ['utm_source', 'utm_campaign', 'salesforceUuid', 'canceled']) expect(activity.details).not.toHaveProperty(key);
  });

  it('invitee.canceled with the Invitee example Morf publishes: the invitee on the contact, the cancellation and meeting on the activity', async () => {
    const { res, body } = await send('calendly', fixtureBytes('calendly.invitee-canceled.morf'));
    expect(res.status).toBe(202);
    expect(body).toEqual({ id: expect.stringMatching(/^act_[0-9a-f]{32}$/), status: 'queued' });
    const { contact, activity } = await processed(body.id);
    expect(contact).toMatchObject({
      email: 'test@example.org',
      phone: null,
      fields: { firstName: { value: 'John', source: 'calendly', setAt: '2024-01-01T09:00:00.000Z' }, lastName: { value: 'Doe' } },
    });
    expect(Object.keys(contact.fields).sort()).toEqual(['firstName', 'lastName']);
    expect(activity).toMatchObject({
      type: 'invitee.canceled',
      source: 'calendly',
      occurredAt: '2024-01-01T09:00:00.000Z',
      details: {
        eventName: '30 Minute Meeting',
        startTime: '2024-01-01T10:00:00.000Z',
        location: '123 Main St, Suite 100',
        status: 'canceled',
        cancellationReason: 'Schedule conflict',
        canceledBy: 'https://api.calendly.com/users/AAAAAAAAAAAAAAAA',
        cancelerType: 'host',
        noShow: true,
        'What is your reason for booking?': 'Initial consultation',
        'Do you have any special requirements?': 'None',
      },
    });
    // A redelivery (signed anew) is the same event.
    const again = await send('calendly', fixtureBytes('calendly.invitee-canceled.morf'), { timestamp: now() - 5 });
    expect(again.body).toEqual({ id: body.id, status: 'duplicate' });
  });

  it('routing_form_submission.created: the email question identifies, other answers stay on the activity', async () => {
    const { res, body } = await send('calendly', fixtureBytes('calendly.routing-form-submission-created'));
    expect(res.status).toBe(202);
    const { contact, activity } = await processed(body.id);
    expect(contact).toMatchObject({ email: 'jane.roe@example.com', fields: { firstName: { value: 'Jane' }, lastName: { value: 'Roe' }, firstSource: { value: 'google' } } });
    expect(activity).toMatchObject({ type: 'routing_form_submission.created', details: { 'What is your industry?': 'IT & Software', resultType: 'event_type' } });
    expect(contact.fields).not.toHaveProperty('What is your industry?');
  });
});

describe('Cal.com (X-Cal-Signature-256)', () => {
  it('BOOKING_CREATED, the documented example: the attendee on the contact, the booking on the activity', async () => {
    const { res, body } = await send('calcom', fixtureBytes('calcom.booking-created'));
    expect(res.status).toBe(202);
    const { contact, activity } = await processed(body.id);
    expect(contact).toMatchObject({
      email: 'john.doe@example.com',
      fields: { firstName: { value: 'John', source: 'calcom', setAt: '2023-05-24T09:30:00.538Z' }, lastName: { value: 'Doe' } },
    });
    for (const key of ['startTime', 'eventType', 'title', 'location']) expect(contact.fields).not.toHaveProperty(key);
    expect(activity).toMatchObject({
      type: 'booking.created',
      source: 'calcom',
      details: { eventType: '60min', startTime: '2023-05-25T09:30:00.000Z', endTime: '2023-05-25T10:30:00.000Z', location: 'Calcom HQ', status: 'ACCEPTED' },
    });
  });

  it('BOOKING_CANCELLED of the same booking is another event (its own key) on the same contact, with its reason', async () => {
    const text = fixtureBytes('calcom.booking-created').toString();
    const canceled = Buffer.from(
      text.replace('"BOOKING_CREATED"', '"BOOKING_CANCELLED"').replace('"status": "ACCEPTED"', '"status": "CANCELLED", "cancellationReason": "Double booked"'),
    );
    const created = await send('calcom', fixtureBytes('calcom.booking-created'));
    const { res, body } = await send('calcom', canceled);
    expect(res.status).toBe(202);
    expect(body.id).not.toBe(created.body.id);
    const { contact, activity } = await processed(body.id);
    expect(contact.email).toBe('john.doe@example.com');
    expect(activity).toMatchObject({ type: 'booking.canceled', details: { cancellationReason: 'Double booked' } });
    expect(contact.fields).not.toHaveProperty('cancellationReason');
  });
});

describe('Typeform (Typeform-Signature)', () => {
  it('form_response, the documented example: the email answer identifies, a claimed answer fills the contact, the rest stays on the activity', async () => {
    const { res, body } = await send('typeform', fixtureBytes('typeform.form-response'));
    expect(res.status).toBe(202);
    const { contact, activity } = await processed(body.id);
    expect(contact).toMatchObject({ email: 'laura@example.com', fields: { firstName: { value: 'Laura', source: 'typeform', setAt: '2018-01-18T18:17:02.000Z' } } });
    expect(Object.keys(contact.fields)).toEqual(['firstName']);
    expect(activity).toMatchObject({
      type: 'form.submitted',
      source: 'typeform',
      details: {
        formTitle: 'Webhooks example',
        readable_ref_multiple_choice: 'London',
        readable_ref_picture_choice: 'London, Sydney',
        readable_ref_date: '2005-10-15',
        readable_ref_yes_no: false,
        user_id: 'abc123456',
        score: 9,
      },
    });
  });
});

describe('an event type the mapper does not know', () => {
  it.each([
    ['oncehub', 'oncehub.booking-scheduled', 'EVNT-KN56U3YL7C', (t: string) => t.replace('"type": "booking.scheduled"', '"type": "booking.reassigned"'), 'oncehub.booking.reassigned'],
    ['calendly', 'calendly.invitee-created', 'invitees/AAAAAAAAAAAAAAAA', (t: string) => t.replace('"event": "invitee.created"', '"event": "invitee_no_show.deleted"'), 'calendly.invitee_no_show.deleted'],
    ['calcom', 'calcom.booking-created', 'bFJeNb2uX8ANpT3JL5EfXw', (t: string) => t.replace('"BOOKING_CREATED"', '"BOOKING_SEAT_ADDED"'), 'calcom.BOOKING_SEAT_ADDED'],
    ['typeform', 'typeform.form-response', 'LtWXD3crgy', (t: string) => t.replace('"event_type": "form_response"', '"event_type": "form_partial_response"'), 'typeform.form_partial_response'],
  ])('%s: is recorded as its provider type with the identifiers it can read, not failed', async (provider, name, documentedId, mutate, type) => {
    const bytes = Buffer.from(mutate(variant(name, documentedId, `${documentedId}-unknown`).toString()));
    const { res, body } = await send(provider, bytes);
    expect(res.status).toBe(202);
    const { activity } = await processed(body.id);
    expect(activity.type).toBe(type);
  });

  it.each([
    ['oncehub', { id: 'EVNT-UNREADABLE1', type: 'booking.scheduled', data: {} }],
    ['calendly', { event: 'invitee.created', created_at: '2020-11-23T17:51:19.000000Z', payload: { uri: 'https://api.calendly.com/unreadable', questions_and_answers: 'x' } }],
  ])('%s: a payload its mapper cannot read at all fails permanently, replayable after a fix', async (provider, payload) => {
    const { res, body } = await send(provider, Buffer.from(JSON.stringify(payload)));
    expect(res.status).toBe(202);
    const settled = await app.settled(body.id);
    expect(settled).toMatchObject({ status: 'failed', error: expect.stringMatching(new RegExp(`^invalid_provider_payload: ${provider} payload`)) });
    expect((await app.queue.getJob(body.id))!.data).toMatchObject({ kind: 'webhook', provider });
  });
});

const ADMIN = `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`;

describe.each([
  { provider: 'oncehub', header: 'Oncehub-Signature', fixture: 'oncehub.booking-scheduled', documentedId: 'EVNT-KN56U3YL7C', timestamped: true },
  { provider: 'calendly', header: 'Calendly-Webhook-Signature', fixture: 'calendly.invitee-created', documentedId: 'invitees/AAAAAAAAAAAAAAAA', timestamped: true },
  { provider: 'calcom', header: 'X-Cal-Signature-256', fixture: 'calcom.booking-created', documentedId: 'bFJeNb2uX8ANpT3JL5EfXw', timestamped: false },
  { provider: 'typeform', header: 'Typeform-Signature', fixture: 'typeform.form-response', documentedId: 'LtWXD3crgy', timestamped: false },
])('signature matrix: $provider ($header)', ({ provider, fixture, documentedId, timestamped }) => {
  const bytes = (tag: string) => variant(fixture, documentedId, `${documentedId}-${tag}`);

  async function expectRejected(result: Awaited<ReturnType<typeof send>>, detail: RegExp) {
    expect(result.res.status).toBe(401);
    expect(result.body).toMatchObject({ code: 'unauthorized', detail: expect.stringMatching(detail) });
  }

  it('valid → 202; unsigned, wrong secret, tampered body' + (timestamped ? ', stale or future timestamp' : '') + ' → 401 and nothing enqueued', async () => {
    expect((await send(provider, bytes('valid'))).res.status).toBe(202);
    const before = await activityJobCount(app);
    await expectRejected(await send(provider, bytes('unsigned'), { secret: null }), /header is required/);
    await expectRejected(await send(provider, bytes('wrong'), { secret: 'whsec_somebody_else_0123456789abcdef' }), /No signature matches/);
    const tampered = Buffer.from(bytes('tampered').toString().replace('example', 'exampel').replace('Carrie', 'Karrie'));
    await expectRejected(await send(provider, bytes('tampered'), { sentBody: tampered }), /No signature matches/);
    // Re-serialized JSON is not the raw body.
    const reserialized = Buffer.from(JSON.stringify(JSON.parse(bytes('reserialized').toString())));
    await expectRejected(await send(provider, bytes('reserialized'), { sentBody: reserialized }), /No signature matches/);
    if (timestamped) {
      await expectRejected(await send(provider, bytes('stale'), { timestamp: now() - 301 }), /tolerance/);
      await expectRejected(await send(provider, bytes('future'), { timestamp: now() + 600 }), /tolerance/);
    }
    expect(await activityJobCount(app)).toBe(before);
  });

  it('a redelivery is 202 duplicate with the same id, and nothing is processed twice', async () => {
    const first = await send(provider, bytes('redelivered'));
    const { contact } = await processed(first.body.id);
    const before = await activityJobCount(app);
    // A redelivery is signed anew (a new timestamp where the scheme has one); the event id makes it the same.
    const again = await send(provider, bytes('redelivered'), { timestamp: now() - 5 });
    expect(again.res.status).toBe(202);
    expect(again.body).toEqual({ id: first.body.id, status: 'duplicate' });
    expect(await activityJobCount(app)).toBe(before);
    const { timeline } = await processed(first.body.id);
    expect(timeline.filter((a) => a.id === first.body.id)).toHaveLength(1);
    expect((await (await app.request(`/v1/contacts/${contact.id}`)).json()).version).toBe(contact.version);
  });

  it('rotation: after PUT /admin/accounts/{id}/webhook-secrets/{provider}, the new secret and (during the grace period) the one it replaced both verify', async () => {
    const NEW = `whsec_${provider}_rotated_0123456789abcdef`;
    const put = await fetch(`${app.baseUrl}/admin/accounts/${app.account}/webhook-secrets/${provider}`, {
      method: 'PUT',
      headers: { authorization: ADMIN, 'content-type': 'application/json' },
      body: JSON.stringify({ secret: NEW }),
    });
    expect(put.status).toBe(200);
    expect((await send(provider, bytes('rotated-new'), { secret: NEW })).res.status).toBe(202);
    expect((await send(provider, bytes('rotated-old'), { secret: CURRENT })).res.status).toBe(202);
    expect((await send(provider, bytes('rotated-retired'), { secret: 'whsec_retired_long_ago_0123456789' })).res.status).toBe(401);
  });
});
