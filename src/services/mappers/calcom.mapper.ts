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
  type MappedFieldValue,
  type ProviderMapper,
} from './mapper';

/**
 * Cal.com webhooks (https://cal.com/docs/developing/guides/automation/webhooks):
 * `{ triggerEvent, createdAt, payload: { uid, type, title, startTime, endTime, organizer,
 * attendees[], responses: { <field>: { label, value } }, location, status, … } }`.
 * The first attendee is the booker; the booking form's `responses` carry the answers (name, email,
 * attendeePhoneNumber and the event type's own questions). Cal.com sends no event id: the trigger and
 * the booking uid identify the event (a reschedule creates a booking with a new uid).
 */
const PROVIDER = 'calcom';

const TYPES: Readonly<Record<string, string>> = {
  BOOKING_CREATED: 'booking.created',
  BOOKING_RESCHEDULED: 'booking.rescheduled',
  BOOKING_CANCELLED: 'booking.canceled',
  BOOKING_REQUESTED: 'booking.requested',
  BOOKING_REJECTED: 'booking.rejected',
  BOOKING_PAYMENT_INITIATED: 'booking.payment_initiated',
  BOOKING_PAID: 'booking.paid',
  BOOKING_NO_SHOW_UPDATED: 'booking.no_show_updated',
  MEETING_STARTED: 'meeting.started',
  MEETING_ENDED: 'meeting.ended',
};

const text = z.string().nullish();
const person = z.looseObject({ name: text, email: text, timeZone: text, phoneNumber: text });

const schema = z.looseObject({
  triggerEvent: z.string().min(1),
  createdAt: z.iso.datetime({ offset: true }),
  payload: z.looseObject({
    uid: text,
    bookingId: z.number().nullish(),
    type: text,
    title: text,
    eventTitle: text,
    startTime: text,
    endTime: text,
    length: z.number().nullish(),
    location: text,
    status: text,
    additionalNotes: text,
    cancellationReason: text,
    rejectionReason: text,
    rescheduleUid: text,
    organizer: person.nullish(),
    attendees: z.array(person).nullish(),
    responses: z.record(z.string(), z.unknown()).nullish(),
    metadata: z.looseObject({ videoCallUrl: text }).nullish(),
  }),
});

/** Booking-form fields whose answer is an identifier or a fact of the booking, not an answer to route. */
const IDENTITY_RESPONSES = new Set(['name', 'email', 'attendeePhoneNumber']);
const BOOKING_RESPONSES: Readonly<Record<string, string>> = { notes: 'notes', guests: 'guests', rescheduleReason: 'rescheduleReason', location: 'locationChoice' };

/** A response is `{ label, value }`; the value a string, a number, a list, or an object (location, split name). */
function responseValue(r: unknown): unknown {
  return r !== null && typeof r === 'object' && !Array.isArray(r) ? (r as Record<string, unknown>).value : undefined;
}

export const calcomMapper: ProviderMapper = {
  provider: PROVIDER,

  eventId(payload) {
    const trigger = nonEmptyString(pick(payload, 'triggerEvent'), 64);
    const uid = nonEmptyString(pick(payload, 'payload', 'uid'));
    return trigger && uid ? `${trigger}:${uid}` : null;
  },

  map(payload) {
    const p = parseProviderPayload(PROVIDER, schema, payload);
    const b = p.payload;
    const attendee = b.attendees?.[0] ?? {};
    const responses = b.responses ?? {};

    const fields: Record<string, MappedFieldValue> = {};
    const answers: Record<string, MappedFieldValue> = {};
    const details: Record<string, MappedFieldValue> = {};

    // The name field is a string, or { firstName, lastName } when the event type splits it.
    const nameValue = responseValue(responses.name);
    if (nameValue !== null && typeof nameValue === 'object') {
      putPresent(fields, 'firstName', pick(nameValue, 'firstName'));
      putPresent(fields, 'lastName', pick(nameValue, 'lastName'));
    } else {
      const { firstName, lastName } = splitName(nonEmptyString(nameValue) ?? attendee.name);
      putPresent(fields, 'firstName', firstName);
      putPresent(fields, 'lastName', lastName);
    }
    for (const [key, r] of Object.entries(responses)) {
      if (IDENTITY_RESPONSES.has(key)) continue;
      const bookingKey = BOOKING_RESPONSES[key];
      if (bookingKey) putPresent(details, bookingKey, responseValue(r));
      else putPresent(answers, key, responseValue(r));
    }

    putPresent(details, 'title', b.title);
    putPresent(details, 'eventType', b.type ?? b.eventTitle);
    putPresent(details, 'startTime', isoTime(b.startTime) ?? b.startTime);
    putPresent(details, 'endTime', isoTime(b.endTime) ?? b.endTime);
    putPresent(details, 'durationMinutes', b.length);
    putPresent(details, 'location', b.location);
    putPresent(details, 'status', b.status);
    putPresent(details, 'timeZone', attendee.timeZone);
    putPresent(details, 'organizer', b.organizer?.name);
    putPresent(details, 'bookingId', b.bookingId);
    putPresent(details, 'notes', b.additionalNotes);
    putPresent(details, 'cancellationReason', b.cancellationReason);
    putPresent(details, 'rejectionReason', b.rejectionReason);
    putPresent(details, 'rescheduleUid', b.rescheduleUid);
    putPresent(details, 'videoCallUrl', b.metadata?.videoCallUrl);

    return {
      type: TYPES[p.triggerEvent] ?? unknownEventType(PROVIDER, p.triggerEvent),
      occurredAt: p.createdAt,
      source: PROVIDER,
      email: nonEmptyString(attendee.email, 320) ?? nonEmptyString(responseValue(responses.email), 320),
      phone: nonEmptyString(responseValue(responses.attendeePhoneNumber), 64) ?? nonEmptyString(attendee.phoneNumber, 64),
      country: countryOfTimeZone(attendee.timeZone),
      externalId: nonEmptyString(b.uid),
      fields,
      details,
      answers,
    };
  },
};
