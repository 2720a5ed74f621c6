import { z } from 'zod';
import {
  idString,
  nonEmptyString,
  parseProviderPayload,
  pick,
  putField,
  unknownEventType,
  type MappedFieldValue,
  type ProviderMapper,
} from './mapper';

/**
 * Chatbot (Drift/Intercom-like): `conversation.completed` with the visitor's typed answers, each
 * tagged with the attribute the bot saves it to. Times are epoch milliseconds. Shape: docs/webhooks.md.
 */
const PROVIDER = 'chatbot';
const SUPPORTED = 'conversation.completed';

const epochMs = z.number().int().positive();
const id = z.union([z.string().min(1), z.number().int()]);

const schema = z.looseObject({
  id: z.string().min(1),
  type: z.string().min(1),
  createdAt: epochMs,
  data: z.looseObject({
    conversationId: id,
    endedAt: epochMs.nullish(),
    playbook: z.looseObject({ id: id.nullish(), name: z.string().nullish() }).nullish(),
    visitor: z.looseObject({ id: z.string().min(1).max(200).nullish(), country: z.string().nullish() }).nullish(),
    contact: z.looseObject({ attributes: z.record(z.string(), z.unknown()).nullish() }).nullish(),
    answers: z.array(
      z.looseObject({
        questionId: z.string().min(1),
        question: z.string().nullish(),
        attribute: z.string().nullish(),
        answer: z.unknown().optional(),
      }),
    ),
  }),
});

const EMAIL = 'email';
const PHONE = 'phone';

export const chatbotMapper: ProviderMapper = {
  provider: PROVIDER,

  eventId(payload) {
    return nonEmptyString(pick(payload, 'id'));
  },

  map(payload) {
    const p = parseProviderPayload(PROVIDER, schema, payload);
    const d = p.data;
    const attributes = d.contact?.attributes ?? {};

    // What the visitor typed in this conversation beats what the chatbot remembered about them.
    const typed = new Map<string, unknown>();
    for (const a of d.answers) {
      const key = a.attribute ?? a.questionId;
      if (!typed.has(key)) typed.set(key, a.answer);
    }
    const identifier = (key: string, max: number) => nonEmptyString(typed.get(key), max) ?? nonEmptyString(attributes[key], max);

    const fields: Record<string, MappedFieldValue> = {};
    for (const [key, answer] of typed) {
      if (key !== EMAIL && key !== PHONE) putField(fields, key, answer);
    }
    putField(fields, 'playbook', d.playbook?.name);
    const country = d.visitor?.country;

    return {
      // Another event of a conversation is recorded under its own name, with what it carries.
      type: p.type === SUPPORTED ? 'chat.completed' : unknownEventType(PROVIDER, p.type),
      occurredAt: new Date(d.endedAt ?? p.createdAt).toISOString(),
      source: PROVIDER,
      email: identifier(EMAIL, 320),
      phone: identifier(PHONE, 64),
      // Only a real alpha-2 code is a hint; anything else would fail the whole activity.
      country: country && /^[A-Za-z]{2}$/.test(country) ? country : null,
      visitorId: d.visitor?.id ?? null,
      fields,
      externalId: idString(d.conversationId),
    };
  },
};
