import { z } from 'zod';
import { countryOfTimeZone } from '../../domain/time-zone-country';
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
 * OnceHub webhooks (https://developers.oncehub.com/docs/webhook-data-payload): an event object
 * `{ id: "EVNT-…", object: "event", creation_time, type, api_version, data }` whose `data` is a
 * booking (booking.* events) or a conversation (conversation.* events).
 *  - Booking: the customer from `form_submission` (name, email, mobile_phone before phone, company,
 *    custom_fields by name); `customer_timezone` is the phone country hint where it names one country.
 *  - Conversation: the `contact` when expanded (an object), else the chatbot's answers.
 * Contact facts go to `fields`, custom fields and answers to `answers` (the account's contact fields
 * decide), the booking's own facts (start, subject, status, cancellation) to `details`.
 */
const PROVIDER = 'oncehub';

const BOOKING_EVENTS = new Set([
  'booking.scheduled',
  'booking.rescheduled',
  'booking.canceled_then_rescheduled',
  'booking.canceled_reschedule_requested',
  'booking.canceled',
  'booking.completed',
  'booking.no_show',
]);
const CONVERSATION_EVENTS = new Set(['conversation.reached_out', 'conversation.started', 'conversation.closed', 'conversation.abandoned']);

const text = z.string().nullish();
const ref = z.union([z.string(), z.looseObject({ id: z.string().nullish(), name: z.string().nullish(), label: z.string().nullish() })]).nullish();
const customFields = z.array(z.looseObject({ name: z.string(), value: z.unknown().optional() })).nullish();

const schema = z.looseObject({
  id: z.string().min(1),
  type: z.string().min(1),
  creation_time: z.iso.datetime({ offset: true }),
  data: z.looseObject({ object: z.string().nullish(), id: z.string().nullish() }),
});

const booking = z.looseObject({
  id: text,
  tracking_id: text,
  subject: text,
  status: text,
  starting_time: text,
  customer_timezone: text,
  duration_minutes: z.number().nullish(),
  virtual_conferencing: z.looseObject({ join_url: text }).nullish(),
  location_description: text,
  rescheduled_booking_id: text,
  cancel_reschedule_information: z.looseObject({ reason: text, actioned_by: text }).nullish(),
  form_submission: z
    .looseObject({
      name: text,
      email: text,
      phone: text,
      mobile_phone: text,
      note: text,
      company: text,
      guests: z.array(z.unknown()).nullish(),
      custom_fields: customFields,
    })
    .nullish(),
  booking_page: ref,
  master_page: ref,
  event_type: ref,
  conversation: z.union([z.string(), z.looseObject({ id: text })]).nullish(),
});

const contactObject = z.looseObject({
  email: text,
  first_name: text,
  last_name: text,
  company: text,
  job_title: text,
  mobile_phone: text,
  phone: text,
  timezone: text,
  custom_fields: customFields,
});

const conversation = z.looseObject({
  id: text,
  status: text,
  initiated_by: text,
  contact: z.union([z.string(), contactObject]).nullish(),
  bot: ref,
  website: ref,
  answers: z.array(z.looseObject({ id: text, internal_label: text, question: text, value: z.unknown().optional() })).nullish(),
  bookings: z.array(z.unknown()).nullish(),
});

type Booking = z.infer<typeof booking>;
type Conversation = z.infer<typeof conversation>;
type Parts = Pick<MappedActivity, 'email' | 'phone' | 'country' | 'externalId'> & {
  fields: Record<string, MappedFieldValue>;
  details: Record<string, MappedFieldValue>;
  answers: Record<string, MappedFieldValue>;
};

/** A reference is an id, or an object when expanded: its name (or label, or id). */
function refName(r: z.infer<typeof ref>): string | null {
  if (typeof r === 'string') return nonEmptyString(r);
  return nonEmptyString(r?.name) ?? nonEmptyString(r?.label) ?? nonEmptyString(r?.id);
}

function empty(): Parts {
  return { email: null, phone: null, country: null, externalId: null, fields: {}, details: {}, answers: {} };
}

function fromBooking(b: Booking): Parts {
  const out = empty();
  const form = b.form_submission ?? {};
  out.email = nonEmptyString(form.email, 320);
  // The mobile number first: it reaches the person, a "phone" is typically a switchboard.
  out.phone = nonEmptyString(form.mobile_phone, 64) ?? nonEmptyString(form.phone, 64);
  out.country = countryOfTimeZone(b.customer_timezone);
  out.externalId = nonEmptyString(b.id) ?? nonEmptyString(b.tracking_id);
  const { firstName, lastName } = splitName(form.name);
  putPresent(out.fields, 'firstName', firstName);
  putPresent(out.fields, 'lastName', lastName);
  putPresent(out.fields, 'company', form.company);
  for (const f of form.custom_fields ?? []) putPresent(out.answers, f.name, f.value);

  const d = out.details;
  putPresent(d, 'subject', b.subject);
  putPresent(d, 'status', b.status);
  putPresent(d, 'startTime', isoTime(b.starting_time) ?? b.starting_time);
  putPresent(d, 'durationMinutes', b.duration_minutes);
  putPresent(d, 'timeZone', b.customer_timezone);
  putPresent(d, 'location', b.location_description);
  putPresent(d, 'joinUrl', b.virtual_conferencing?.join_url);
  putPresent(d, 'eventType', refName(b.event_type));
  putPresent(d, 'bookingPage', refName(b.booking_page));
  putPresent(d, 'masterPage', refName(b.master_page));
  putPresent(d, 'trackingId', b.tracking_id);
  putPresent(d, 'cancellationReason', b.cancel_reschedule_information?.reason);
  putPresent(d, 'canceledBy', b.cancel_reschedule_information?.actioned_by);
  putPresent(d, 'rescheduledBookingId', b.rescheduled_booking_id);
  putPresent(d, 'note', form.note);
  putPresent(d, 'guests', (form.guests ?? []).filter((g): g is string => typeof g === 'string' && g.trim() !== ''));
  putPresent(d, 'conversation', typeof b.conversation === 'string' ? b.conversation : b.conversation?.id);
  return out;
}

/** Answer labels that hold an identifier or the name rather than a detail. */
const isEmailLabel = (k: string) => /e-?mail/i.test(k);
const isPhoneLabel = (k: string) => /phone|mobile/i.test(k);
const isNameLabel = (k: string) => /^(full[\s_-]*)?name$/i.test(k.trim());

function fromConversation(c: Conversation): Parts {
  const out = empty();
  out.externalId = nonEmptyString(c.id);
  const contact = typeof c.contact === 'object' && c.contact !== null ? c.contact : null;
  if (contact) {
    out.email = nonEmptyString(contact.email, 320);
    out.phone = nonEmptyString(contact.mobile_phone, 64) ?? nonEmptyString(contact.phone, 64);
    out.country = countryOfTimeZone(contact.timezone);
    putPresent(out.fields, 'firstName', contact.first_name);
    putPresent(out.fields, 'lastName', contact.last_name);
    putPresent(out.fields, 'company', contact.company);
    putPresent(out.fields, 'jobTitle', contact.job_title);
    for (const f of contact.custom_fields ?? []) putPresent(out.answers, f.name, f.value);
  } else {
    putPresent(out.details, 'contact', c.contact);
  }
  // What the visitor typed: an email or phone question fills the identifier when the contact did
  // not; a name question the first and last name; every other answer is routed by its label.
  for (const a of c.answers ?? []) {
    const label = nonEmptyString(a.internal_label) ?? nonEmptyString(a.question) ?? nonEmptyString(a.id);
    if (!label) continue;
    if (isEmailLabel(label)) out.email ??= nonEmptyString(a.value, 320);
    else if (isPhoneLabel(label)) out.phone ??= nonEmptyString(a.value, 64);
    else if (isNameLabel(label)) {
      const { firstName, lastName } = splitName(a.value);
      putPresent(out.fields, 'firstName', firstName);
      putPresent(out.fields, 'lastName', lastName);
    } else putPresent(out.answers, label, a.value);
  }
  putPresent(out.details, 'status', c.status);
  putPresent(out.details, 'initiatedBy', c.initiated_by);
  putPresent(out.details, 'bot', refName(c.bot));
  putPresent(out.details, 'website', refName(c.website));
  putPresent(out.details, 'bookings', (c.bookings ?? []).filter((b): b is string => typeof b === 'string'));
  return out;
}

/** Reads what it can of `data` for an event it does not know: a booking-like or conversation-like object, else nothing. */
function fromUnknown(data: Record<string, unknown>): Parts {
  if (data.object === 'booking' || 'form_submission' in data) {
    const b = booking.safeParse(data);
    if (b.success) return fromBooking(b.data);
  }
  if (data.object === 'conversation' || 'answers' in data) {
    const c = conversation.safeParse(data);
    if (c.success) return fromConversation(c.data);
  }
  if (data.object === 'contact') {
    const c = contactObject.safeParse(data);
    if (c.success) return fromConversation({ contact: c.data });
  }
  const out = empty();
  out.externalId = nonEmptyString(data.id);
  return out;
}

export const oncehubMapper: ProviderMapper = {
  provider: PROVIDER,

  eventId(payload) {
    return nonEmptyString(pick(payload, 'id'));
  },

  map(payload) {
    const p = parseProviderPayload(PROVIDER, schema, payload);
    let parts: Parts;
    let type: string;
    if (BOOKING_EVENTS.has(p.type)) {
      parts = fromBooking(parseProviderPayload(PROVIDER, booking, p.data));
      type = p.type;
    } else if (CONVERSATION_EVENTS.has(p.type)) {
      parts = fromConversation(parseProviderPayload(PROVIDER, conversation, p.data));
      type = p.type;
    } else {
      parts = fromUnknown(p.data);
      type = unknownEventType(PROVIDER, p.type);
    }
    const { fields, details, answers, ...ids } = parts;
    return {
      type,
      occurredAt: p.creation_time,
      source: PROVIDER,
      ...ids,
      fields,
      details,
      answers,
    };
  },
};
