import { z } from 'zod';
import { countryOfTimeZone } from '../../domain/time-zone-country';
import { PermanentJobError } from '../../shared/errors';
import {
  isoTime,
  nonEmptyString,
  parseProviderPayload,
  pick,
  putPresent,
  splitName,
  unknownEventType,
  type MappedActivity,
  type MappedFieldValue,
  type ProviderMapper,
} from './mapper';

/**
 * Calendly webhooks (https://developer.calendly.com/api-docs/overview/webhooks/webhook-signatures,
 * https://developer.calendly.com/receive-data-from-scheduled-events-in-real-time-with-webhook-subscriptions):
 * `{ event, created_at, created_by, payload }`.
 *  - invitee.created, invitee.canceled, invitee_no_show.created: `payload` is the Invitee resource
 *    (email, name, first_name/last_name, text_reminder_number, timezone, questions_and_answers,
 *    tracking, cancellation, no_show, rescheduled, old_invitee/new_invitee) with the booked
 *    `scheduled_event` embedded (its `event` is that event's URI).
 *  - routing_form_submission.created: `payload` is the Routing Form Submission (questions_and_answers,
 *    tracking, result, submitter); the person is only in the answers.
 * Contact facts go to `fields`, answers and UTM tracking to `answers` (the account's contact fields
 * decide), the meeting's own facts (start, event name, cancellation, no-show) to `details`.
 */
const PROVIDER = 'calendly';

const INVITEE_EVENTS = new Set(['invitee.created', 'invitee.canceled', 'invitee_no_show.created']);
const ROUTING_FORM_EVENT = 'routing_form_submission.created';

const text = z.string().nullish();
const tracking = z.record(z.string(), z.unknown()).nullish();
const cancellation = z.looseObject({ canceled_by: text, reason: text, canceler_type: text }).nullish();
const questionsAndAnswers = z.array(z.looseObject({ question: text, answer: z.unknown().optional(), position: z.number().nullish() })).nullish();

const schema = z.looseObject({
  event: z.string().min(1),
  created_at: z.iso.datetime({ offset: true }).nullish(),
  payload: z.looseObject({ uri: text, updated_at: text }),
});

const invitee = z.looseObject({
  uri: text,
  email: text,
  name: text,
  first_name: text,
  last_name: text,
  status: text,
  timezone: text,
  text_reminder_number: text,
  event: text,
  rescheduled: z.boolean().nullish(),
  old_invitee: text,
  new_invitee: text,
  routing_form_submission: text,
  questions_and_answers: questionsAndAnswers,
  tracking,
  cancellation,
  no_show: z.looseObject({ uri: text, created_at: text }).nullish(),
  scheduled_event: z
    .looseObject({
      uri: text,
      name: text,
      status: text,
      start_time: text,
      end_time: text,
      event_type: text,
      location: z.looseObject({ type: text, location: text, join_url: text }).nullish(),
      cancellation,
    })
    .nullish(),
});

const routingFormSubmission = z.looseObject({
  uri: text,
  routing_form: text,
  questions_and_answers: z.array(z.looseObject({ question: text, question_uuid: text, answer: z.unknown().optional() })).nullish(),
  tracking,
  result: z.looseObject({ type: text, value: z.unknown().optional() }).nullish(),
  submitter: text,
  submitter_type: text,
});

type Invitee = z.infer<typeof invitee>;
type RoutingFormSubmission = z.infer<typeof routingFormSubmission>;
type Parts = Pick<MappedActivity, 'email' | 'phone' | 'country' | 'externalId'> & {
  fields: Record<string, MappedFieldValue>;
  details: Record<string, MappedFieldValue>;
  answers: Record<string, MappedFieldValue>;
};

function empty(): Parts {
  return { email: null, phone: null, country: null, externalId: null, fields: {}, details: {}, answers: {} };
}

/** Question labels that hold an identifier or the name rather than an answer to route. */
const isEmailLabel = (k: string) => /e-?mail/i.test(k);
const isPhoneLabel = (k: string) => /phone|mobile/i.test(k);
const isNameLabel = (k: string) => /^(full[\s_-]*|your[\s_-]*)?name$/i.test(k.trim());

/**
 * Questions and answers: an email or phone question fills the identifier the payload did not give,
 * a name question the first and last name; every other answer is routed by its question's text.
 */
function readAnswers(out: Parts, qas: readonly { question?: string | null; answer?: unknown }[]): void {
  for (const qa of qas) {
    const label = nonEmptyString(qa.question);
    if (!label) continue;
    if (isEmailLabel(label) && out.email === null) out.email = nonEmptyString(qa.answer, 320);
    else if (isPhoneLabel(label) && out.phone === null) out.phone = nonEmptyString(qa.answer, 64);
    else if (isNameLabel(label) && !Object.hasOwn(out.fields, 'firstName')) {
      const { firstName, lastName } = splitName(qa.answer);
      putPresent(out.fields, 'firstName', firstName);
      putPresent(out.fields, 'lastName', lastName);
    } else putPresent(out.answers, label, qa.answer);
  }
}

/** UTM parameters are routed like answers (utm_source, utm_campaign fill the first-touch fields); Salesforce's id stays on the activity. */
function readTracking(out: Parts, t: Record<string, unknown> | null | undefined): void {
  for (const [key, value] of Object.entries(t ?? {})) {
    if (key === 'salesforce_uuid') putPresent(out.details, 'salesforceUuid', value);
    else putPresent(out.answers, key, value);
  }
}

function fromInvitee(i: Invitee): Parts {
  const out = empty();
  out.email = nonEmptyString(i.email, 320);
  out.phone = nonEmptyString(i.text_reminder_number, 64);
  out.country = countryOfTimeZone(i.timezone);
  out.externalId = nonEmptyString(i.uri);
  // Calendly gives first and last name when the event type asks for them separately, else one name.
  if (nonEmptyString(i.first_name) || nonEmptyString(i.last_name)) {
    putPresent(out.fields, 'firstName', i.first_name);
    putPresent(out.fields, 'lastName', i.last_name);
  } else {
    const { firstName, lastName } = splitName(i.name);
    putPresent(out.fields, 'firstName', firstName);
    putPresent(out.fields, 'lastName', lastName);
  }
  readAnswers(out, i.questions_and_answers ?? []);
  readTracking(out, i.tracking);

  const d = out.details;
  const ev = i.scheduled_event;
  const canceled = i.cancellation ?? ev?.cancellation;
  putPresent(d, 'eventName', ev?.name);
  putPresent(d, 'startTime', isoTime(ev?.start_time) ?? ev?.start_time);
  putPresent(d, 'endTime', isoTime(ev?.end_time) ?? ev?.end_time);
  putPresent(d, 'eventType', ev?.event_type);
  putPresent(d, 'location', ev?.location?.location);
  putPresent(d, 'joinUrl', ev?.location?.join_url);
  putPresent(d, 'scheduledEvent', ev?.uri ?? i.event);
  putPresent(d, 'status', i.status);
  putPresent(d, 'timeZone', i.timezone);
  putPresent(d, 'cancellationReason', canceled?.reason);
  putPresent(d, 'canceledBy', canceled?.canceled_by);
  putPresent(d, 'cancelerType', canceled?.canceler_type);
  if (i.no_show) {
    putPresent(d, 'noShow', true);
    putPresent(d, 'noShowAt', isoTime(i.no_show.created_at) ?? i.no_show.created_at);
  }
  putPresent(d, 'rescheduled', i.rescheduled);
  putPresent(d, 'oldInvitee', i.old_invitee);
  putPresent(d, 'newInvitee', i.new_invitee);
  putPresent(d, 'routingFormSubmission', i.routing_form_submission);
  return out;
}

function fromRoutingForm(s: RoutingFormSubmission): Parts {
  const out = empty();
  out.externalId = nonEmptyString(s.uri);
  readAnswers(out, s.questions_and_answers ?? []);
  readTracking(out, s.tracking);
  putPresent(out.details, 'routingForm', s.routing_form);
  putPresent(out.details, 'resultType', s.result?.type);
  putPresent(out.details, 'result', s.result?.value);
  putPresent(out.details, 'submitter', s.submitter);
  putPresent(out.details, 'submitterType', s.submitter_type);
  return out;
}

/** Reads what it can of `payload` for an event it does not know: invitee-like or routing-form-like, else its uri. */
function fromUnknown(payload: Record<string, unknown>): Parts {
  if ('email' in payload) {
    const i = invitee.safeParse(payload);
    if (i.success) return fromInvitee(i.data);
  }
  if ('routing_form' in payload) {
    const s = routingFormSubmission.safeParse(payload);
    if (s.success) return fromRoutingForm(s.data);
  }
  const out = empty();
  out.externalId = nonEmptyString(payload.uri);
  return out;
}

export const calendlyMapper: ProviderMapper = {
  provider: PROVIDER,

  /**
   * Calendly sends no event id. The event name plus the URI of the resource it is about identifies
   * one event: an invitee is created and canceled once (a reschedule creates a new invitee), each
   * no-show mark has its own URI, a routing form submission is created once. For other events the
   * resource's updated_at is added, since those may recur for one resource.
   */
  eventId(payload) {
    const event = nonEmptyString(pick(payload, 'event'), 64);
    if (!event) return null;
    if (event === 'invitee_no_show.created') {
      const noShow = nonEmptyString(pick(payload, 'payload', 'no_show', 'uri'));
      if (noShow) return `${event}:${noShow}`;
    }
    const uri = nonEmptyString(pick(payload, 'payload', 'uri'));
    if (!uri) return null;
    if (INVITEE_EVENTS.has(event) || event === ROUTING_FORM_EVENT) return `${event}:${uri}`;
    const updatedAt = nonEmptyString(pick(payload, 'payload', 'updated_at'), 64);
    return updatedAt ? `${event}:${uri}:${updatedAt}` : `${event}:${uri}`;
  },

  map(payload) {
    const p = parseProviderPayload(PROVIDER, schema, payload);
    // The envelope's created_at is when the event happened; the resource's updated_at stands in without it.
    const occurredAt = p.created_at ?? isoTime(p.payload.updated_at);
    if (!occurredAt) throw new PermanentJobError('invalid_provider_payload', `${PROVIDER} payload has an unknown shape: created_at: no event time`);
    let parts: Parts;
    let type: string;
    if (INVITEE_EVENTS.has(p.event)) {
      parts = fromInvitee(parseProviderPayload(PROVIDER, invitee, p.payload));
      type = p.event;
    } else if (p.event === ROUTING_FORM_EVENT) {
      parts = fromRoutingForm(parseProviderPayload(PROVIDER, routingFormSubmission, p.payload));
      type = p.event;
    } else {
      parts = fromUnknown(p.payload);
      type = unknownEventType(PROVIDER, p.event);
    }
    const { fields, details, answers, ...ids } = parts;
    return {
      type,
      occurredAt,
      source: PROVIDER,
      ...ids,
      fields,
      details,
      answers,
    };
  },
};
