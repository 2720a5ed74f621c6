import { z } from 'zod';

/**
 * The canonical activity envelope accepted by POST /v1/activities. The intake checks it so a
 * client gets its 400 at once; the worker parses it again from the raw payload that travelled in
 * the job, so a schema fix plus a replay repairs jobs accepted under an older rule.
 */
const fieldKey = z
  .string()
  .min(1)
  .max(100)
  // Keys become MongoDB paths: `$` prefixes and dots would be operators or nested paths.
  .regex(/^[^$.\0][^.\0]*$/, 'must not start with $ or contain "." or NUL');

export const fieldValueSchema = z.union([z.string().max(10_000), z.number(), z.boolean(), z.null()]);

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
    fields: z.record(fieldKey, fieldValueSchema).optional(),
    visitorId: z.string().min(1).max(200).nullish(),
    externalId: z.string().min(1).max(200).nullish(),
  })
  .strict();

export type ActivityEnvelope = z.infer<typeof activityEnvelopeSchema>;
