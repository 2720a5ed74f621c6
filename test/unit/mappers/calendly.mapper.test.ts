import { DEFAULT_FIELD_DEFINITIONS } from '../../../src/domain/default-fields';
import { activityEnvelopeSchema } from '../../../src/jobs/activity-envelope.schema';
import { mapProviderPayloadWithinLimits } from '../../../src/services/mappers';
import { calendlyMapper } from '../../../src/services/mappers/calendly.mapper';
import { PermanentJobError } from '../../../src/shared/errors';
import { fixture } from '../../support/webhook-fixtures';

const definitions = new Map(DEFAULT_FIELD_DEFINITIONS.map((d) => [d.key, d]));
const INVITEE = 'https://api.calendly.com/scheduled_events/GBGBDCAADAEDCRZ2/invitees/AAAAAAAAAAAAAAAA';
const MORF_INVITEE = 'https://api.calendly.com/scheduled_events/AAAAAAAAAAAAAAAA/invitees/AAAAAAAAAAAAAAAA';

describe('Calendly mapper', () => {
  it('invitee.created: the invitee → contact facts, questions and UTM tracking → answers, the meeting → details', () => {
    const mapped = calendlyMapper.map(fixture('calendly.invitee-created'));
    expect(mapped).toEqual({
      type: 'invitee.created',
      occurredAt: '2020-11-23T17:51:19.000000Z', // the envelope's created_at orders merges
      source: 'calendly',
      email: 'test@example.com',
      phone: '404-555-1234', // text_reminder_number
      country: 'US', // timezone America/New_York
      externalId: INVITEE,
      fields: { firstName: 'John', lastName: 'Doe' },
      answers: {
        Company: 'Acme Inc.',
        'What would you like to discuss?': 'Pricing for 50 seats',
        utm_campaign: 'spring_sale',
        utm_source: 'newsletter',
        utm_medium: 'email',
      },
      details: {
        eventName: '15 Minute Meeting',
        startTime: '2020-11-24T14:15:00.000Z',
        endTime: '2020-11-24T14:30:00.000Z',
        eventType: 'https://api.calendly.com/event_types/GBGBDCAADAEDCRZ2',
        location: 'Calendly Office',
        scheduledEvent: 'https://api.calendly.com/scheduled_events/GBGBDCAADAEDCRZ2',
        status: 'active',
        timeZone: 'America/New_York',
        rescheduled: false,
      },
    });
  });

  describe('documented example payloads (test/fixtures/webhooks/README.md says where each is from)', () => {
    it('invitee.created as Calendly support published it: null phone and null tracking leave gaps, not values; the time zone is the country hint', () => {
      const mapped = calendlyMapper.map(fixture('calendly.invitee-created.stackoverflow'));
      expect(mapped).toEqual({
        type: 'invitee.created',
        occurredAt: '2020-11-23T17:51:19.000000Z',
        source: 'calendly',
        email: 'john.doe@example.org',
        phone: null, // text_reminder_number: null
        country: 'US', // timezone America/New_York
        externalId: INVITEE,
        fields: { firstName: 'John', lastName: 'Doe' }, // no first_name/last_name: the name is split
        answers: {}, // no questions; every tracking value is null
        details: {
          scheduledEvent: 'https://api.calendly.com/scheduled_events/GBGBDCAADAEDCRZ2', // the invitee's event URI, no scheduled_event embedded
          status: 'active',
          timeZone: 'America/New_York',
          rescheduled: false,
        },
      });
      const { envelope } = mapProviderPayloadWithinLimits('calendly', fixture('calendly.invitee-created.stackoverflow'), definitions);
      expect(envelope.fields).toEqual({ firstName: 'John', lastName: 'Doe' });
      expect(envelope.details).not.toHaveProperty('canceled');
      expect(activityEnvelopeSchema.safeParse(envelope).success).toBe(true);
    });

    it('invitee.canceled with the Invitee example Morf publishes: the invitee on the contact; cancellation, no-show, answers and the meeting on the activity', () => {
      const mapped = calendlyMapper.map(fixture('calendly.invitee-canceled.morf'));
      expect(mapped).toEqual({
        type: 'invitee.canceled',
        occurredAt: '2024-01-01T09:00:00.000000Z',
        source: 'calendly',
        email: 'test@example.org',
        phone: null,
        country: 'US',
        externalId: MORF_INVITEE,
        fields: { firstName: 'John', lastName: 'Doe' },
        answers: { 'What is your reason for booking?': 'Initial consultation', 'Do you have any special requirements?': 'None' },
        details: {
          eventName: '30 Minute Meeting',
          startTime: '2024-01-01T10:00:00.000Z',
          endTime: '2024-01-01T10:30:00.000Z',
          eventType: 'https://api.calendly.com/event_types/AAAAAAAAAAAAAAAA',
          location: '123 Main St, Suite 100',
          scheduledEvent: 'https://api.calendly.com/scheduled_events/AAAAAAAAAAAAAAAA',
          status: 'canceled',
          timeZone: 'America/New_York',
          cancellationReason: 'Schedule conflict',
          canceledBy: 'https://api.calendly.com/users/AAAAAAAAAAAAAAAA',
          cancelerType: 'host',
          noShow: true,
          noShowAt: '2024-01-01T10:00:00.000Z',
          rescheduled: false,
          oldInvitee: 'https://api.calendly.com/scheduled_events/AAAAAAAAAAAAAAAA/invitees/BBBBBBBBBBBBBBBB',
          newInvitee: 'https://api.calendly.com/scheduled_events/AAAAAAAAAAAAAAAA/invitees/CCCCCCCCCCCCCCCC',
          routingFormSubmission: 'https://api.calendly.com/routing_form_submissions/AAAAAAAAAAAAAAAA',
        },
      });
      // Payment, reconfirmation, meeting notes, hosts and guests are not read: no guest or host address becomes the contact's.
      const { envelope } = mapProviderPayloadWithinLimits('calendly', fixture('calendly.invitee-canceled.morf'), definitions);
      expect(envelope.fields).toEqual({ firstName: 'John', lastName: 'Doe' });
      expect(envelope.details).toMatchObject({ cancellationReason: 'Schedule conflict', 'What is your reason for booking?': 'Initial consultation' });
      expect(JSON.stringify(envelope)).not.toMatch(/guest@|user@|stripe|ch_1234567890|visitor parking/);
      expect(activityEnvelopeSchema.safeParse(envelope).success).toBe(true);
    });

    it('the scheduled event’s own cancellation is read when the invitee carries none', () => {
      const p = fixture('calendly.invitee-canceled.morf');
      delete p.payload.cancellation;
      expect(calendlyMapper.map(p).details).toMatchObject({ cancellationReason: 'Schedule conflict', canceledBy: 'https://api.calendly.com/users/AAAAAAAAAAAAAAAA', cancelerType: 'host' });
    });

    it('idempotency key: event name + invitee URI, unchanged on a redelivery', () => {
      const so = fixture('calendly.invitee-created.stackoverflow');
      expect(calendlyMapper.eventId(so)).toBe(`invitee.created:${INVITEE}`);
      // Calendly's published example and the reference-written fixture use the same placeholder invitee, so one key.
      expect(calendlyMapper.eventId(so)).toBe(calendlyMapper.eventId(fixture('calendly.invitee-created')));
      const morf = fixture('calendly.invitee-canceled.morf');
      expect(calendlyMapper.eventId(morf)).toBe(`invitee.canceled:${MORF_INVITEE}`);
      // A later delivery (new envelope time) of the same event has the same key; the no-show it carries does not change it.
      const redelivered = { ...fixture('calendly.invitee-canceled.morf'), created_at: '2024-01-01T09:05:00.000000Z' };
      expect(calendlyMapper.eventId(JSON.parse(JSON.stringify(redelivered)))).toBe(calendlyMapper.eventId(morf));
    });
  });

  it('answers a contact field claims go to the contact (Company → company, UTM → first touch); the rest stay on the activity', () => {
    const { envelope } = mapProviderPayloadWithinLimits('calendly', fixture('calendly.invitee-created'), definitions);
    expect(envelope.fields).toEqual({ firstName: 'John', lastName: 'Doe', company: 'Acme Inc.', firstCampaign: 'spring_sale', firstSource: 'newsletter' });
    expect(envelope.details).toMatchObject({ 'What would you like to discuss?': 'Pricing for 50 seats', utm_medium: 'email', eventName: '15 Minute Meeting' });
    expect(envelope.details).not.toHaveProperty('Company');
    expect(envelope).not.toHaveProperty('answers');
    expect(activityEnvelopeSchema.safeParse(envelope).success).toBe(true);
  });

  it('invitee.canceled: the cancellation’s reason and canceler stay on the activity; no phone is no phone', () => {
    const mapped = calendlyMapper.map(fixture('calendly.invitee-canceled'));
    expect(mapped).toMatchObject({ type: 'invitee.canceled', occurredAt: '2020-11-23T18:02:40.000000Z', email: 'test@example.com', phone: null, externalId: INVITEE });
    expect(mapped.details).toMatchObject({ status: 'canceled', cancellationReason: 'Schedule conflict', canceledBy: 'John Doe', cancelerType: 'invitee', rescheduled: false });
    expect(mapped.answers).toEqual({});
  });

  it('invitee.canceled of a rescheduled booking says so, with the new invitee', () => {
    const p = fixture('calendly.invitee-canceled');
    p.payload.rescheduled = true;
    p.payload.new_invitee = 'https://api.calendly.com/scheduled_events/BBBB/invitees/CCCC';
    expect(calendlyMapper.map(p).details).toMatchObject({ rescheduled: true, newInvitee: 'https://api.calendly.com/scheduled_events/BBBB/invitees/CCCC' });
  });

  it('invitee_no_show.created: the no-show on the activity; without first/last name the name is split', () => {
    const mapped = calendlyMapper.map(fixture('calendly.invitee-no-show-created'));
    expect(mapped).toMatchObject({ type: 'invitee_no_show.created', email: 'test@example.com', fields: { firstName: 'John', lastName: 'Doe' } });
    expect(mapped.details).toMatchObject({ noShow: true, noShowAt: '2020-11-24T14:40:11.907Z', scheduledEvent: 'https://api.calendly.com/scheduled_events/GBGBDCAADAEDCRZ2' });
  });

  it('routing_form_submission.created: email and name questions identify; other answers and UTM are routed', () => {
    const mapped = calendlyMapper.map(fixture('calendly.routing-form-submission-created'));
    expect(mapped).toEqual({
      type: 'routing_form_submission.created',
      occurredAt: '2022-07-19T15:22:51.000000Z',
      source: 'calendly',
      email: 'jane.roe@example.com',
      phone: null,
      country: null,
      externalId: 'https://api.calendly.com/routing_form_submissions/AAAAAAAAAAAAAAAA',
      fields: { firstName: 'Jane', lastName: 'Roe' },
      answers: { 'What is your industry?': 'IT & Software', utm_source: 'google' },
      details: {
        routingForm: 'https://api.calendly.com/routing_forms/AAAAAAAAAAAAAAAA',
        resultType: 'event_type',
        result: 'https://api.calendly.com/event_types/AAAAAAAAAAAAAAAA',
      },
    });
  });

  it('a phone question fills the phone when no text reminder number was given', () => {
    const p = fixture('calendly.invitee-canceled');
    p.payload.questions_and_answers = [{ question: 'Phone number', answer: '+49 30 1234567', position: 0 }];
    expect(calendlyMapper.map(p)).toMatchObject({ phone: '+49 30 1234567', answers: {} });
  });

  it('no email: the activity is mapped without one (the worker records it as unidentified, as for every provider)', () => {
    const p = fixture('calendly.routing-form-submission-created');
    p.payload.questions_and_answers = p.payload.questions_and_answers.filter((qa: any) => qa.question !== 'Email');
    const mapped = calendlyMapper.map(p);
    expect(mapped).toMatchObject({ email: null, phone: null, fields: { firstName: 'Jane' } });
    const { envelope } = mapProviderPayloadWithinLimits('calendly', p, definitions);
    expect(activityEnvelopeSchema.safeParse(envelope).success).toBe(true);
  });

  it('a time zone that names no single country gives no hint', () => {
    const p = fixture('calendly.invitee-created');
    p.payload.timezone = 'UTC';
    expect(calendlyMapper.map(p)).toMatchObject({ country: null, details: { timeZone: 'UTC' } });
  });

  it('an event it does not know is calendly.<event> with the identifiers it can read, never a failure', () => {
    const deleted = fixture('calendly.invitee-no-show-created');
    deleted.event = 'invitee_no_show.deleted';
    expect(calendlyMapper.map(deleted)).toMatchObject({ type: 'calendly.invitee_no_show.deleted', email: 'test@example.com', externalId: INVITEE });
    const eventType = { event: 'event_type.updated', created_at: '2024-01-01T00:00:00Z', payload: { uri: 'https://api.calendly.com/event_types/X', name: 'Intro' } };
    expect(calendlyMapper.map(eventType)).toMatchObject({ type: 'calendly.event_type.updated', email: null, externalId: 'https://api.calendly.com/event_types/X' });
  });

  it('event id: event name + the resource URI (the no-show’s own URI for a no-show); null when unreadable (never throws)', () => {
    expect(calendlyMapper.eventId(fixture('calendly.invitee-created'))).toBe(`invitee.created:${INVITEE}`);
    expect(calendlyMapper.eventId(fixture('calendly.invitee-canceled'))).toBe(`invitee.canceled:${INVITEE}`);
    expect(calendlyMapper.eventId(fixture('calendly.invitee-no-show-created'))).toBe(
      'invitee_no_show.created:https://api.calendly.com/invitee_no_shows/639a7c58-2a3b-4d4f-9a43-5b0e2c2e3c8a',
    );
    expect(calendlyMapper.eventId(fixture('calendly.routing-form-submission-created'))).toBe(
      'routing_form_submission.created:https://api.calendly.com/routing_form_submissions/AAAAAAAAAAAAAAAA',
    );
    const other = fixture('calendly.invitee-no-show-created');
    other.event = 'invitee_no_show.deleted';
    expect(calendlyMapper.eventId(other)).toBe(`invitee_no_show.deleted:${INVITEE}:2020-11-24T14:40:11.907465Z`);
    for (const junk of [null, 42, 'x', [], {}, { event: 'invitee.created' }, { event: 'invitee.created', payload: { uri: 7 } }]) {
      expect(calendlyMapper.eventId(junk)).toBeNull();
    }
  });

  it.each([
    ['no event', (p: any) => delete p.event],
    ['a bad time', (p: any) => (p.created_at = 'yesterday')],
    ['no event time at all', (p: any) => { delete p.created_at; delete p.payload.updated_at; }],
    ['no payload', (p: any) => delete p.payload],
    ['questions that are not a list', (p: any) => (p.payload.questions_and_answers = 'Acme')],
  ])('fails permanently on %s (replayable after a fix)', (_name, mutate) => {
    const p = fixture('calendly.invitee-created');
    mutate(p);
    expect(() => calendlyMapper.map(p)).toThrow(PermanentJobError);
    expect(() => calendlyMapper.map(p)).toThrow(expect.objectContaining({ code: 'invalid_provider_payload' }));
  });

  it('without the envelope’s created_at, the resource’s updated_at is the event time', () => {
    const p = fixture('calendly.invitee-created');
    delete p.created_at;
    expect(calendlyMapper.map(p).occurredAt).toBe('2020-11-23T17:51:18.341Z');
  });
});
