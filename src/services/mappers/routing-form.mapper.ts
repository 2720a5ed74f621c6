import { z } from 'zod';
import { answer, answerValue, VISITOR_HIDDEN_FIELD } from './typeform-answers';
import { nonEmptyString, parseProviderPayload, pick, putField, unknownEventType, type MappedFieldValue, type ProviderMapper } from './mapper';

/**
 * Routing form (Typeform-like): `form_response` with typed answers, each naming its field by `ref`,
 * plus hidden fields (UTM parameters, a visitor id) carried in the form's URL. Shape: docs/webhooks.md.
 */
const PROVIDER = 'routing-form';
const SUPPORTED = 'form_response';

const schema = z.looseObject({
  event_id: z.string().min(1),
  event_type: z.string().min(1),
  form_response: z.looseObject({
    form_id: z.string().min(1),
    token: z.string().min(1),
    submitted_at: z.iso.datetime({ offset: true }),
    hidden: z.record(z.string(), z.unknown()).nullish(),
    definition: z.looseObject({ title: z.string().nullish() }).nullish(),
    answers: z.array(answer),
  }),
});

export const routingFormMapper: ProviderMapper = {
  provider: PROVIDER,

  eventId(payload) {
    return nonEmptyString(pick(payload, 'event_id'));
  },

  map(payload) {
    const p = parseProviderPayload(PROVIDER, schema, payload);
    const r = p.form_response;

    let email: string | null = null;
    let phone: string | null = null;
    const fields: Record<string, MappedFieldValue> = {};
    for (const a of r.answers) {
      const value = answerValue(a);
      if (a.type === 'email') email ??= nonEmptyString(value, 320);
      else if (a.type === 'phone_number') phone ??= nonEmptyString(value, 64);
      else putField(fields, a.field.ref ?? a.field.id, value);
    }
    const hidden = r.hidden ?? {};
    for (const [key, value] of Object.entries(hidden)) {
      if (key !== VISITOR_HIDDEN_FIELD) putField(fields, key, value);
    }
    putField(fields, 'form_id', r.form_id);
    putField(fields, 'form_title', r.definition?.title);

    return {
      type: p.event_type === SUPPORTED ? 'form.submitted' : unknownEventType(PROVIDER, p.event_type),
      occurredAt: r.submitted_at,
      source: PROVIDER,
      email,
      phone,
      visitorId: nonEmptyString(hidden[VISITOR_HIDDEN_FIELD]),
      fields,
      externalId: r.token.slice(0, 200),
    };
  },
};
