import { DEFAULT_FIELD_DEFINITIONS } from '../../../src/domain/default-fields';
import { activityEnvelopeSchema } from '../../../src/jobs/activity-envelope.schema';
import { mapProviderPayloadWithinLimits } from '../../../src/services/mappers';
import { typeformMapper } from '../../../src/services/mappers/typeform.mapper';
import { PermanentJobError } from '../../../src/shared/errors';
import { fixture } from '../../support/webhook-fixtures';

const definitions = new Map(DEFAULT_FIELD_DEFINITIONS.map((d) => [d.key, d]));

describe('Typeform mapper', () => {
  it('form_response (the documented example): the email answer identifies; answers by their field’s ref (looked up in the definition)', () => {
    const mapped = typeformMapper.map(fixture('typeform.form-response'));
    expect(mapped).toEqual({
      type: 'form.submitted',
      occurredAt: '2018-01-18T18:17:02Z',
      source: 'typeform',
      email: 'laura@example.com',
      phone: null,
      visitorId: null,
      externalId: 'a3a12ec67a1365927098a606107fac15',
      fields: {},
      answers: {
        readable_ref_long_text: "It's cold right now! I live in an older medium-sized city with a university. Geographically, the area is hilly.",
        readable_ref_short_text: 'Laura',
        readable_ref_date: '2005-10-15',
        readable_ref_picture_choice: 'London, Sydney',
        readable_ref_number1: 5,
        readable_ref_legal: true,
        readable_ref_multiple_choice: 'London',
        readable_ref_yes_no: false,
        readable_ref_opinion_scale: 2,
        readable_ref_rating: 3,
        readable_ref_number2: 4,
        readable_ref_calendly: 'https://calendly.com/scheduled_events/EVENT_TYPE/invitees/INVITEE',
        user_id: 'abc123456',
      },
      details: { formId: 'lT4Z3j', formTitle: 'Webhooks example', score: 9 },
    });
  });

  it('hidden UTM fields fill the contact’s first-touch attribution; visitor_id stitches; the rest stays on the activity', () => {
    const p = fixture('typeform.form-response');
    p.form_response.hidden = { utm_source: 'newsletter', utm_campaign: 'spring', utm_medium: 'email', visitor_id: 'vis_42' };
    const { envelope } = mapProviderPayloadWithinLimits('typeform', p, definitions);
    expect(envelope.fields).toEqual({ firstSource: 'newsletter', firstCampaign: 'spring' });
    expect(envelope.details).toMatchObject({ utm_medium: 'email', readable_ref_short_text: 'Laura' });
    expect(envelope.visitorId).toBe('vis_42');
    expect(activityEnvelopeSchema.safeParse(envelope).success).toBe(true);
  });

  it('a phone_number answer identifies; without refs an answer is named by its question’s title', () => {
    const p = fixture('typeform.form-response');
    p.form_response.answers.push({ type: 'phone_number', phone_number: '+61 2 9876 5432', field: { id: 'ph1', type: 'phone_number' } });
    delete p.form_response.definition.fields[2].ref;
    const mapped = typeformMapper.map(p);
    expect(mapped.phone).toBe('+61 2 9876 5432');
    expect(mapped.answers).toMatchObject({ 'What is your first name?': 'Laura' });
  });

  it('another event type that carries a response is typeform.<event>, not a failure', () => {
    const p = fixture('typeform.form-response');
    p.event_type = 'form_partial_response';
    expect(typeformMapper.map(p)).toMatchObject({ type: 'typeform.form_partial_response', email: 'laura@example.com' });
  });

  it('event id: event_id; null when unreadable', () => {
    expect(typeformMapper.eventId(fixture('typeform.form-response'))).toBe('LtWXD3crgy');
    for (const junk of [null, {}, { event_id: '' }]) expect(typeformMapper.eventId(junk)).toBeNull();
  });

  it.each([
    ['no form_response', (p: any) => delete p.form_response],
    ['a bad submitted_at', (p: any) => (p.form_response.submitted_at = 'now')],
    ['an answer without its field', (p: any) => delete p.form_response.answers[0].field],
  ])('fails permanently on %s', (_name, mutate) => {
    const p = fixture('typeform.form-response');
    mutate(p);
    expect(() => typeformMapper.map(p)).toThrow(PermanentJobError);
  });
});
