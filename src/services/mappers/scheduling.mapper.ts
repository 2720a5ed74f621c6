import { z } from 'zod';
import { nonEmptyString, parseProviderPayload, pick, putField, unknownEventType, type MappedFieldValue, type ProviderMapper } from './mapper';

/**
 * Scheduling tool (Cal.com-like): BOOKING_CREATED / BOOKING_RESCHEDULED / BOOKING_CANCELLED with
 * the booking, its attendees and the booking form's `responses`. Shape: docs/webhooks.md.
 */
const PROVIDER = 'scheduling';

const TYPES = {
  BOOKING_CREATED: 'booking.created',
  BOOKING_RESCHEDULED: 'booking.rescheduled',
  BOOKING_CANCELLED: 'booking.canceled',
} as const;

const isoTime = z.iso.datetime({ offset: true });
const person = z.looseObject({
  name: z.string().nullish(),
  email: z.string().nullish(),
  phoneNumber: z.string().nullish(),
  timeZone: z.string().nullish(),
});

const schema = z.looseObject({
  id: z.string().min(1).nullish(),
  triggerEvent: z.string().min(1),
  createdAt: isoTime,
  payload: z.looseObject({
    uid: z.string().min(1),
    title: z.string().nullish(),
    type: z.string().nullish(),
    startTime: isoTime,
    endTime: isoTime.nullish(),
    location: z.string().nullish(),
    organizer: person.nullish(),
    attendees: z.array(person).min(1),
    responses: z.record(z.string(), z.looseObject({ label: z.string().nullish(), value: z.unknown().optional() })).nullish(),
    cancellationReason: z.string().nullish(),
    rescheduleUid: z.string().nullish(),
  }),
});

/** Response keys that are identifiers, not captured details. */
const EMAIL_KEYS = ['email'];
const PHONE_KEYS = ['attendeePhoneNumber', 'phone', 'phoneNumber'];

export const schedulingMapper: ProviderMapper = {
  provider: PROVIDER,

  // A delivery id when the sender has one; otherwise the trigger and booking uid identify the
  // event (a reschedule gets a new uid, so it never collides with the original booking).
  eventId(payload) {
    const id = nonEmptyString(pick(payload, 'id'));
    if (id) return id;
    const trigger = nonEmptyString(pick(payload, 'triggerEvent'), 64);
    const uid = nonEmptyString(pick(payload, 'payload', 'uid'));
    return trigger && uid ? `${trigger}:${uid}` : null;
  },

  map(payload) {
    const p = parseProviderPayload(PROVIDER, schema, payload);
    // A trigger it does not know is recorded under its own name, with what it carries.
    const type: string = TYPES[p.triggerEvent as keyof typeof TYPES] ?? unknownEventType(PROVIDER, p.triggerEvent);
    const b = p.payload;
    const attendee = b.attendees[0]!;
    const responses = b.responses ?? {};
    const response = (keys: string[]) => keys.map((k) => nonEmptyString(responses[k]?.value, 320)).find(Boolean) ?? null;

    // Booking-form answers are what the sender chose to capture about the person: contact fields.
    const fields: Record<string, MappedFieldValue> = {};
    for (const [key, r] of Object.entries(responses)) {
      if (!EMAIL_KEYS.includes(key) && !PHONE_KEYS.includes(key)) putField(fields, key, r.value);
    }
    if (!Object.hasOwn(fields, 'name')) putField(fields, 'name', attendee.name);
    // The meeting's own facts stay on the activity: a contact has many meetings.
    const details: Record<string, MappedFieldValue> = {};
    putField(details, 'title', b.title);
    putField(details, 'eventType', b.type);
    putField(details, 'startTime', b.startTime);
    putField(details, 'endTime', b.endTime);
    putField(details, 'location', b.location);
    putField(details, 'timeZone', attendee.timeZone);
    if (type === 'booking.canceled') putField(details, 'cancellationReason', b.cancellationReason);
    if (type === 'booking.rescheduled') putField(details, 'rescheduleUid', b.rescheduleUid);

    return {
      type,
      occurredAt: p.createdAt,
      source: PROVIDER,
      email: nonEmptyString(attendee.email, 320) ?? response(EMAIL_KEYS),
      phone: response(PHONE_KEYS) ?? nonEmptyString(attendee.phoneNumber, 64),
      fields,
      details,
      externalId: b.uid.slice(0, 200),
    };
  },
};
