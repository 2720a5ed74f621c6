import { activityEnvelopeSchema } from '../../../src/jobs/activity-envelope.schema';
import { mapProviderPayload, PROVIDER_NAMES, providerMapper } from '../../../src/services/mappers';
import { routingFormMapper } from '../../../src/services/mappers/routing-form.mapper';
import { PermanentJobError } from '../../../src/shared/errors';
import { fixture } from '../../support/webhook-fixtures';

describe('routing-form mapper', () => {
  it('maps a form response: answers by field ref (else id), hidden fields, visitor id', () => {
    const mapped = routingFormMapper.map(fixture('routing-form.form-response'));
    expect(mapped).toEqual({
      type: 'form.submitted',
      occurredAt: '2026-03-06T09:01:47Z',
      source: 'routing-form',
      email: 'Grace.Hopper@Navy.example',
      phone: '+12025550143',
      visitorId: 'vis_c4ca4238a0b92382',
      externalId: 'a3a12ec67a1365927098a606107fac15',
      fields: {
        first_name: 'Grace',
        company_size: '51-200',
        interests: 'Lead routing, Enrichment',
        seats: 25,
        gdpr_consent: true,
        Re1gK3: '2026-04-01',
        utm_source: 'google',
        utm_campaign: 'spring-launch',
        form_id: 'lT4Z3j',
        form_title: 'Talk to sales',
      },
    });
    expect(activityEnvelopeSchema.safeParse(mapped).success).toBe(true);
  });

  it('a form without email or phone maps to an activity without identifiers (the domain decides)', () => {
    const p = fixture('routing-form.form-response');
    p.form_response.answers = p.form_response.answers.filter((a: any) => a.type !== 'email' && a.type !== 'phone_number');
    expect(routingFormMapper.map(p)).toMatchObject({ email: null, phone: null });
  });

  it('event id is event_id', () => {
    expect(routingFormMapper.eventId(fixture('routing-form.form-response'))).toBe('01HZX3K9Q4T7W2B6N8M5R1C0VD');
    expect(routingFormMapper.eventId({ event_id: 7 })).toBeNull();
  });

  it('records another event under its own name (routing-form.<event>), and fails permanently on unknown shapes', () => {
    const p = fixture('routing-form.form-response');
    p.event_type = 'form_partial_response';
    expect(routingFormMapper.map(p)).toMatchObject({ type: 'routing-form.form_partial_response', email: 'Grace.Hopper@Navy.example' });
    expect(() => routingFormMapper.map({ event_id: 'x', event_type: 'form_response' })).toThrow(PermanentJobError);
  });
});

describe('provider registry', () => {
  it('knows every provider and fails an unknown one permanently', () => {
    expect([...PROVIDER_NAMES].sort()).toEqual(['calcom', 'calendly', 'chatbot', 'oncehub', 'routing-form', 'scheduling', 'typeform']);
    expect(providerMapper('nope')).toBeNull();
    expect(() => mapProviderPayload('nope', {})).toThrow(expect.objectContaining({ code: 'unknown_provider' }));
    expect(mapProviderPayload('routing-form', fixture('routing-form.form-response')).type).toBe('form.submitted');
  });
});
