import { z } from 'zod';
import { LIMITS } from '../domain/limits';
import { illFormedStringPath } from '../shared/json-shape';

/**
 * The canonical activity envelope accepted by POST /v1/activities. The intake checks it so a
 * client gets its 400 at once; the worker parses it again from the raw payload that travelled in
 * the job, so a schema fix plus a replay repairs jobs accepted under an older rule.
 */
export const fieldKey = z
  .string()
  .min(1)
  .max(100)
  // Keys become MongoDB paths: `$` prefixes and dots would be operators or nested paths.
  .regex(/^[^$.\0][^.\0]*$/, 'must not start with $ or contain "." or NUL');

export const fieldValueSchema = z.union([z.string().max(LIMITS.fieldValueLength), z.number(), z.boolean(), z.null()]);

/**
 * Strings must be well-formed Unicode: BSON stores a lone surrogate as U+FFFD, so such a value
 * would read back different from what was merged, and every replay would rewrite the contact.
 */
export function refuseIllFormedStrings(value: unknown, ctx: z.RefinementCtx): void {
  const path = illFormedStringPath(value);
  if (path) ctx.addIssue({ code: 'custom', path, message: 'must be well-formed Unicode (no lone surrogates)' });
}

export const activityEnvelopeSchema = z
  .object({
    type: z.string().trim().min(1).max(100),
    occurredAt: z.iso.datetime({ offset: true }),
    source: z.string().trim().min(1).max(100).optional(),
    email: z.string().max(320).nullish(),
    phone: z.string().max(64).nullish(),
    country: z
      .string()
      .regex(/^[A-Za-z]{2}$/, 'must be an ISO 3166 alpha-2 code')
      .transform((c) => c.toUpperCase())
      .nullish(),
    fields: z
      .record(fieldKey, fieldValueSchema)
      .refine((f) => Object.keys(f).length <= LIMITS.fieldsPerActivity, `at most ${LIMITS.fieldsPerActivity} fields`)
      .optional(),
    // What happened, kept on the activity only (shown in the contact's timeline, never merged into
    // the contact): a meeting's start time, its event type, a form's unmapped answers.
    details: z
      .record(fieldKey, fieldValueSchema)
      .refine((d) => Object.keys(d).length <= LIMITS.detailsPerActivity, `at most ${LIMITS.detailsPerActivity} details`)
      .optional(),
    visitorId: z.string().min(1).max(200).nullish(),
    externalId: z.string().min(1).max(200).nullish(),
    // A status key of the account (identity rule 7); applied by event time, else a warning.
    status: z.string().trim().min(1).max(100).nullish(),
  })
  .strict()
  .superRefine(refuseIllFormedStrings);

export type ActivityEnvelope = z.infer<typeof activityEnvelopeSchema>;
