import { activityEnvelopeSchema } from '../../../src/jobs/activity-envelope.schema';
import { schedulingMapper } from '../../../src/services/mappers/scheduling.mapper';
import { PermanentJobError } from '../../../src/shared/errors';
import { fixture } from '../../support/webhook-fixtures';

describe('scheduling mapper', () => {
  it('maps booking created: attendee identifiers and booking-form answers as fields, the meeting’s facts as details', () => {
    const mapped = schedulingMapper.map(fixture('scheduling.booking-created'));
    expect(mapped).toEqual({
      type: 'booking.created',
      occurredAt: '2026-03-02T15:04:05.000Z',
      source: 'scheduling',
      email: '  Jane.Doe+demo@Example.COM ', // normalizing is the domain's job, not the mapper's
      phone: '(415) 555-2671',
      externalId: 'bFJeNb2uX8ANpT3JL5EfXw',
      fields: {
        name: 'Jane Doe',
        company: 'Globex',
        team_size: 35,
        interests: 'Routing, Enrichment',
      },
      details: {
        title: 'Discovery call between Acme Sales and Jane Doe',
        eventType: 'discovery-call',
        startTime: '2026-03-09T16:00:00.000Z',
        endTime: '2026-03-09T16:30:00.000Z',
        location: 'https://meet.example.com/acme-discovery',
        timeZone: 'America/Los_Angeles',
      },
    });
    expect(activityEnvelopeSchema.safeParse(mapped).success).toBe(true);
  });

  it('maps rescheduled and canceled with their own facts', () => {
    const r = schedulingMapper.map(fixture('scheduling.booking-rescheduled'));
    expect(r).toMatchObject({ type: 'booking.rescheduled', fields: { rescheduleReason: 'Conflict with board meeting' }, details: { rescheduleUid: 'bFJeNb2uX8ANpT3JL5EfXw' } });
    expect(r.fields).not.toHaveProperty('rescheduleUid');
    const c = schedulingMapper.map(fixture('scheduling.booking-canceled'));
    expect(c).toMatchObject({ type: 'booking.canceled', occurredAt: '2026-03-05T11:30:00.000Z', details: { cancellationReason: 'We picked another vendor' } });
    for (const key of ['cancellationReason', 'startTime', 'eventType']) expect(c.fields).not.toHaveProperty(key);
    expect(c.phone).toBeNull();
  });

  it('event id: the delivery id, else trigger and booking uid; null when unreadable (never throws)', () => {
    const p = fixture('scheduling.booking-created');
    expect(schedulingMapper.eventId(p)).toBe('evt_2Yq8Zk3VbN7mC4xR');
    delete p.id;
    expect(schedulingMapper.eventId(p)).toBe('BOOKING_CREATED:bFJeNb2uX8ANpT3JL5EfXw');
    for (const junk of [null, 42, 'x', [], {}, { payload: null }]) expect(schedulingMapper.eventId(junk)).toBeNull();
  });

  it('records a trigger it does not know under its own name (scheduling.<trigger>), with the attendee', () => {
    const p = fixture('scheduling.booking-created');
    p.triggerEvent = 'MEETING_ENDED';
    expect(schedulingMapper.map(p)).toMatchObject({ type: 'scheduling.MEETING_ENDED', email: '  Jane.Doe+demo@Example.COM ' });
  });

  it('rewrites response keys that would be MongoDB operators or paths', () => {
    const p = fixture('scheduling.booking-created');
    p.payload.responses = { 'utm.source': { value: 'ads' }, $where: { value: 'x' } };
    expect(schedulingMapper.map(p).fields).toMatchObject({ utm_source: 'ads', where: 'x' });
  });

  it.each([
    ['no attendees', (p: any) => (p.payload.attendees = []), 'invalid_provider_payload'],
    ['a bad time', (p: any) => (p.createdAt = 'yesterday'), 'invalid_provider_payload'],
    ['another shape entirely', (p: any) => delete p.payload, 'invalid_provider_payload'],
  ])('fails permanently on %s', (_name, mutate, code) => {
    const p = fixture('scheduling.booking-created');
    mutate(p);
    expect(() => schedulingMapper.map(p)).toThrow(PermanentJobError);
    expect(() => schedulingMapper.map(p)).toThrow(expect.objectContaining({ code }));
  });
});
