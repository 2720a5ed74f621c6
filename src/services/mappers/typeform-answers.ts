import { z } from 'zod';
import { pick } from './mapper';

/**
 * Typeform's answer shape, shared by the Typeform mapper and the Typeform-like `routing-form`
 * custom source: an answer's value sits under its type, except for the choice and payment types.
 */

/** One answer: its type names where its value sits; its field says which question it answers. */
export const answer = z.looseObject({
  type: z.string().min(1),
  field: z.looseObject({ id: z.string().min(1), ref: z.string().nullish(), type: z.string().nullish() }),
});

/** The hidden field that carries the website's anonymous visitor id (page-view stitching). */
export const VISITOR_HIDDEN_FIELD = 'visitor_id';

/** The value of one answer by its type; `undefined` for types that hold nothing capturable. */
export function answerValue(a: { type: string }): unknown {
  const r = a as Record<string, unknown>;
  switch (a.type) {
    case 'choice':
      return pick(r, 'choice', 'label') ?? pick(r, 'choice', 'other');
    case 'choices':
      return pick(r, 'choices', 'labels');
    case 'payment':
      return pick(r, 'payment', 'amount');
    default:
      // text, email, phone_number, number, boolean, date, url, file_url: the value sits under its type.
      return r[a.type];
  }
}
