import { z } from 'zod';
import { answer, answerValue, VISITOR_HIDDEN_FIELD } from './typeform-answers';
import {
  nonEmptyString,
  parseProviderPayload,
  pick,
  putPresent,
  unknownEventType,
  type MappedFieldValue,
  type ProviderMapper,
} from './mapper';

/**
 * Typeform webhooks (https://www.typeform.com/developers/webhooks/example-payload/):
 * `{ event_id, event_type: "form_response", form_response: { form_id, token, submitted_at,
 * hidden, definition: { title, fields[] }, answers[] } }`. An answer names its field by `field.id`
 * (and `field.ref` when the form set readable refs); its value sits under its `type`. The first
 * `email` and `phone_number` answers are the identifiers; every other answer is routed by its
 * field's ref (else the field's title, else its id), and so is every hidden field (UTM parameters)
 * except `visitor_id`, which stitches page views. An event other than form_response that still
 * carries a form_response is recorded as `typeform.<event>`.
 */
const PROVIDER = 'typeform';
const SUPPORTED = 'form_response';

const schema = z.looseObject({
  event_id: z.string().min(1),
  event_type: z.string().min(1),
  form_response: z.looseObject({
      form_id: z.string().nullish(),
      token: z.string().nullish(),
      submitted_at: z.iso.datetime({ offset: true }),
      hidden: z.record(z.string(), z.unknown()).nullish(),
      calculated: z.looseObject({ score: z.number().nullish() }).nullish(),
      definition: z
        .looseObject({
          title: z.string().nullish(),
          fields: z.array(z.looseObject({ id: z.string(), ref: z.string().nullish(), title: z.string().nullish() })).nullish(),
        })
        .nullish(),
      answers: z.array(answer).nullish(),
    }),
});

export const typeformMapper: ProviderMapper = {
  provider: PROVIDER,

  eventId(payload) {
    return nonEmptyString(pick(payload, 'event_id'));
  },

  map(payload) {
    const p = parseProviderPayload(PROVIDER, schema, payload);
    const r = p.form_response;
    const byId = new Map((r.definition?.fields ?? []).map((f) => [f.id, f]));

    let email: string | null = null;
    let phone: string | null = null;
    const answers: Record<string, MappedFieldValue> = {};
    const details: Record<string, MappedFieldValue> = {};
    for (const a of r.answers ?? []) {
      const value = answerValue(a);
      if (a.type === 'email' && email === null) email = nonEmptyString(value, 320);
      else if (a.type === 'phone_number' && phone === null) phone = nonEmptyString(value, 64);
      else {
        const def = byId.get(a.field.id);
        const name = nonEmptyString(a.field.ref) ?? nonEmptyString(def?.ref) ?? nonEmptyString(def?.title) ?? a.field.id;
        putPresent(answers, name, value);
      }
    }
    const hidden = r.hidden ?? {};
    // Hidden fields are routed like answers: utm_source and utm_campaign are source names of the
    // default contact fields firstSource / firstCampaign (set once); the rest stay on the activity.
    for (const [key, value] of Object.entries(hidden)) {
      if (key !== VISITOR_HIDDEN_FIELD) putPresent(answers, key, value);
    }
    putPresent(details, 'formId', r.form_id);
    putPresent(details, 'formTitle', r.definition?.title);
    putPresent(details, 'score', r.calculated?.score);

    return {
      type: p.event_type === SUPPORTED ? 'form.submitted' : unknownEventType(PROVIDER, p.event_type),
      occurredAt: r.submitted_at,
      source: PROVIDER,
      email,
      phone,
      visitorId: nonEmptyString(hidden[VISITOR_HIDDEN_FIELD]),
      externalId: nonEmptyString(r.token),
      fields: {},
      details,
      answers,
    };
  },
};
