import { activityEnvelopeSchema } from '../../../src/jobs/activity-envelope.schema';
import { mapProviderPayloadWithinLimits } from '../../../src/services/mappers';
import { calcomMapper } from '../../../src/services/mappers/calcom.mapper';
import { PermanentJobError } from '../../../src/shared/errors';
import { fixture } from '../../support/webhook-fixtures';

describe('Cal.com mapper', () => {
  it('BOOKING_CREATED (the documented example): the attendee → contact, the booking → details', () => {
    const mapped = calcomMapper.map(fixture('calcom.booking-created'));
    expect(mapped).toEqual({
      type: 'booking.created',
      occurredAt: '2023-05-24T09:30:00.538Z',
      source: 'calcom',
      email: 'john.doe@example.com',
      phone: null,
      country: 'IN', // the attendee's Asia/Kolkata
      externalId: 'bFJeNb2uX8ANpT3JL5EfXw',
      fields: { firstName: 'John', lastName: 'Doe' },
      answers: {}, // location's value is an object, notes/guests/rescheduleReason are unanswered
      details: {
        title: '60min between Pro Example and John Doe',
        eventType: '60min',
        startTime: '2023-05-25T09:30:00.000Z',
        endTime: '2023-05-25T10:30:00.000Z',
        durationMinutes: 60,
        location: 'Calcom HQ',
        status: 'ACCEPTED',
        timeZone: 'Asia/Kolkata',
        organizer: 'Pro Example',
        bookingId: 91,
      },
    });
    expect(activityEnvelopeSchema.safeParse(mapProviderPayloadWithinLimits('calcom', fixture('calcom.booking-created')).envelope).success).toBe(true);
  });

  it('booking-form answers: the phone identifies, the event type’s own questions are routed, notes and guests stay on the booking', () => {
    const p = fixture('calcom.booking-created');
    p.payload.responses.attendeePhoneNumber = { label: 'phone_number', value: '+91 98765 43210' };
    p.payload.responses.company_name = { label: 'Company', value: 'Acme' };
    p.payload.responses.budget = { label: 'Budget', value: ['10k', '50k'] };
    p.payload.responses.notes.value = 'Bring the pricing sheet';
    p.payload.responses.name = { label: 'your_name', value: { firstName: 'Johnny', lastName: 'Doe-Smith' } };
    const mapped = calcomMapper.map(p);
    expect(mapped).toMatchObject({
      phone: '+91 98765 43210',
      fields: { firstName: 'Johnny', lastName: 'Doe-Smith' },
      answers: { company_name: 'Acme', budget: '10k, 50k' },
      details: { notes: 'Bring the pricing sheet' },
    });
    const { envelope } = mapProviderPayloadWithinLimits('calcom', p, new Map([['company', { key: 'company', type: 'text', sourceNames: ['company_name'] }]]));
    expect(envelope.fields).toEqual({ firstName: 'Johnny', lastName: 'Doe-Smith', company: 'Acme' });
    expect(envelope.details).toMatchObject({ budget: '10k, 50k', notes: 'Bring the pricing sheet' });
  });

  it.each([
    ['BOOKING_RESCHEDULED', 'booking.rescheduled'],
    ['BOOKING_CANCELLED', 'booking.canceled'],
    ['BOOKING_REQUESTED', 'booking.requested'],
    ['BOOKING_REJECTED', 'booking.rejected'],
    ['BOOKING_PAID', 'booking.paid'],
    ['MEETING_ENDED', 'meeting.ended'],
    ['BOOKING_SEAT_ADDED', 'calcom.BOOKING_SEAT_ADDED'], // not known: recorded under its own name
  ])('%s → %s', (trigger, type) => {
    const p = fixture('calcom.booking-created');
    p.triggerEvent = trigger;
    p.payload.cancellationReason = 'Double booked';
    expect(calcomMapper.map(p)).toMatchObject({ type, email: 'john.doe@example.com', details: { cancellationReason: 'Double booked' } });
  });

  it('event id: trigger and booking uid (Cal.com sends no event id); null without a uid', () => {
    const p = fixture('calcom.booking-created');
    expect(calcomMapper.eventId(p)).toBe('BOOKING_CREATED:bFJeNb2uX8ANpT3JL5EfXw');
    p.triggerEvent = 'BOOKING_CANCELLED';
    expect(calcomMapper.eventId(p)).toBe('BOOKING_CANCELLED:bFJeNb2uX8ANpT3JL5EfXw');
    for (const junk of [null, 42, {}, { triggerEvent: 'BOOKING_CREATED', payload: {} }]) expect(calcomMapper.eventId(junk)).toBeNull();
  });

  it.each([
    ['a bad time', (p: any) => (p.createdAt = 'yesterday')],
    ['no payload', (p: any) => delete p.payload],
    ['attendees that are not a list', (p: any) => (p.payload.attendees = 'John')],
  ])('fails permanently on %s', (_name, mutate) => {
    const p = fixture('calcom.booking-created');
    mutate(p);
    expect(() => calcomMapper.map(p)).toThrow(PermanentJobError);
  });
});
