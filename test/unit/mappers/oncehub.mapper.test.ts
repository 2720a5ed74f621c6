import { DEFAULT_FIELD_DEFINITIONS } from '../../../src/domain/default-fields';
import { activityEnvelopeSchema } from '../../../src/jobs/activity-envelope.schema';
import { mapProviderPayloadWithinLimits } from '../../../src/services/mappers';
import { oncehubMapper } from '../../../src/services/mappers/oncehub.mapper';
import { PermanentJobError } from '../../../src/shared/errors';
import { fixture } from '../../support/webhook-fixtures';

const definitions = new Map(DEFAULT_FIELD_DEFINITIONS.map((d) => [d.key, d]));

describe('OnceHub mapper', () => {
  it('booking.scheduled (the documented sample): customer → contact facts, custom fields → answers, the booking → details', () => {
    const mapped = oncehubMapper.map(fixture('oncehub.booking-scheduled'));
    expect(mapped).toEqual({
      type: 'booking.scheduled',
      occurredAt: '2018-03-22T09:49:12Z', // the event's creation_time orders merges
      source: 'oncehub',
      email: 'so.carrie.customer@gmail.com',
      phone: '1-2025550195', // mobile_phone before the empty phone
      country: 'US', // customer_timezone America/New_York
      externalId: 'BKNG-J4FR05BKEWEX',
      fields: { firstName: 'Carrie', lastName: 'Customer' }, // company is null: nothing
      answers: { Title: 'Executive Assistant', 'Office size': '30-50 people', Industry: 'Lawnscaping services' },
      details: {
        subject: 'Live demo',
        status: 'scheduled',
        startTime: '2020-03-22T04:30:00.000Z',
        durationMinutes: 60,
        timeZone: 'America/New_York',
        location: '123 Office Street',
        joinUrl: 'https://meet.google.com/izv-daci-fyi',
        eventType: 'ET-7I7PKDTFJS',
        bookingPage: 'BP-3F7JAWT4UA',
        masterPage: 'MP-73E6RHFU77',
        trackingId: 'D36E0002',
        cancellationReason: 'Change in schedule',
        canceledBy: 'user',
        rescheduledBookingId: 'BKNG-J4FR05BKEWEX',
        note: 'I want to discuss whether your product can work for our office.',
        conversation: 'CVR-36E9E6F220',
      },
    });
  });

  it('answers no contact field claims stay on the activity; claimed ones go to the contact under the field key', () => {
    const withCustom = new Map([...definitions, ['officeSize', { key: 'officeSize', type: 'text' as const, sourceNames: ['office_size'] }]]);
    const { envelope } = mapProviderPayloadWithinLimits('oncehub', fixture('oncehub.booking-scheduled'), withCustom);
    expect(envelope.fields).toEqual({ firstName: 'Carrie', lastName: 'Customer', officeSize: '30-50 people' });
    expect(envelope.details).toMatchObject({ Title: 'Executive Assistant', Industry: 'Lawnscaping services' });
    expect(envelope.details).not.toHaveProperty('Office size');
    expect(envelope).not.toHaveProperty('answers');
    expect(activityEnvelopeSchema.safeParse(envelope).success).toBe(true);
  });

  it('the v2 body of the signature example: expanded event type and booking page give their names; empty values give nothing', () => {
    const mapped = oncehubMapper.map(fixture('oncehub.booking-scheduled-v2'));
    expect(mapped).toMatchObject({ email: 'carrie@customer.com', phone: null, country: null, fields: { firstName: 'Carrie' } });
    expect(mapped.details).toEqual({
      subject: '15-minute meeting',
      status: 'scheduled',
      startTime: '2021-01-20T16:45:00.000Z',
      durationMinutes: 15,
      eventType: '15-minute meeting',
      bookingPage: 'Michael ',
      trackingId: 'BKNG-YNMGHKQ24XV5',
    });
  });

  it('conversation.closed: name, email and phone questions identify; other answers are routed by their label', () => {
    const mapped = oncehubMapper.map(fixture('oncehub.conversation-closed'));
    expect(mapped).toMatchObject({
      type: 'conversation.closed',
      email: 'so.carrie.customer@gmail.com',
      externalId: 'CVR-022EAEA41C',
      fields: { firstName: 'Carrie', lastName: 'Customer' },
      answers: { 'Meeting location': '123 Office Street' },
      details: { contact: 'CTC-9QEG09XXYN', status: 'closed', bot: 'BOT-62774A40FB', bookings: 'BKNG-3KM0HY2BF9SL' },
    });
  });

  it('conversation with an expanded contact: its facts, its mobile phone and its time zone', () => {
    const p = fixture('oncehub.conversation-closed');
    p.data.contact = { object: 'contact', email: 'ada@example.com', first_name: 'Ada', last_name: 'Lovelace', job_title: 'Analyst', company: 'Acme', mobile_phone: '030 1234567', phone: null, timezone: 'Europe/Berlin', custom_fields: [{ name: 'reason_for_contacting', value: 'I want to do business' }] };
    expect(oncehubMapper.map(p)).toMatchObject({
      email: 'ada@example.com', // the contact's email wins over the answer's
      phone: '030 1234567',
      country: 'DE',
      fields: { firstName: 'Ada', lastName: 'Lovelace', jobTitle: 'Analyst', company: 'Acme' },
      answers: { reason_for_contacting: 'I want to do business', 'Meeting location': '123 Office Street' },
    });
  });

  it.each([
    'booking.rescheduled',
    'booking.canceled_then_rescheduled',
    'booking.canceled_reschedule_requested',
    'booking.canceled',
    'booking.completed',
    'booking.no_show',
  ])('%s is a booking event of its own type', (type) => {
    const p = fixture('oncehub.booking-scheduled');
    p.type = type;
    expect(oncehubMapper.map(p)).toMatchObject({ type, email: 'so.carrie.customer@gmail.com' });
  });

  it.each(['conversation.reached_out', 'conversation.started', 'conversation.abandoned'])('%s is a conversation event of its own type', (type) => {
    const p = fixture('oncehub.conversation-closed');
    p.type = type;
    expect(oncehubMapper.map(p)).toMatchObject({ type, email: 'so.carrie.customer@gmail.com' });
  });

  it('an event it does not know is oncehub.<event> with the identifiers it can read, never a failure', () => {
    const booking = fixture('oncehub.booking-scheduled');
    booking.type = 'booking.reassigned';
    expect(oncehubMapper.map(booking)).toMatchObject({ type: 'oncehub.booking.reassigned', email: 'so.carrie.customer@gmail.com' });
    const contact = { id: 'EVNT-X', type: 'contact.created', creation_time: '2020-03-22T09:48:48Z', data: { object: 'contact', id: 'CTC-1', email: 'c@example.com' } };
    expect(oncehubMapper.map(contact)).toMatchObject({ type: 'oncehub.contact.created', email: 'c@example.com' });
    const odd = { id: 'EVNT-Y', type: 'weird type/../$x', creation_time: '2020-03-22T09:48:48Z', data: { id: 'X-1' } };
    expect(oncehubMapper.map(odd)).toMatchObject({ type: 'oncehub.weird_type_..__x', email: null, externalId: 'X-1' });
  });

  it('event id: the event object’s id; null when unreadable (never throws)', () => {
    expect(oncehubMapper.eventId(fixture('oncehub.booking-scheduled'))).toBe('EVNT-KN56U3YL7C');
    for (const junk of [null, 42, 'x', [], {}, { id: '' }, { id: 7 }]) expect(oncehubMapper.eventId(junk)).toBeNull();
  });

  it.each([
    ['no creation_time', (p: any) => delete p.creation_time],
    ['a bad time', (p: any) => (p.creation_time = 'yesterday')],
    ['no data', (p: any) => delete p.data],
    ['a booking whose form is not an object', (p: any) => (p.data.form_submission = 'Carrie')],
  ])('fails permanently on %s (replayable after a fix)', (_name, mutate) => {
    const p = fixture('oncehub.booking-scheduled');
    mutate(p);
    expect(() => oncehubMapper.map(p)).toThrow(PermanentJobError);
    expect(() => oncehubMapper.map(p)).toThrow(expect.objectContaining({ code: 'invalid_provider_payload' }));
  });
});
