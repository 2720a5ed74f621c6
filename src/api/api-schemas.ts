import { z } from 'zod';
import { activityEnvelopeSchema } from '../jobs/activity-envelope.schema';

/**
 * The shapes of what the API answers, as zod schemas: the OpenAPI document is generated from them,
 * and the integration tests parse real answers with them, so the document cannot drift from the
 * behaviour.
 */
export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  code: z.string(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});

export const enqueueResultSchema = z.object({
  id: z.string().regex(/^act_[0-9a-f]{32}$/),
  status: z.enum(['queued', 'duplicate']),
});

export const activityStatusSchema = z.object({
  id: z.string(),
  status: z.enum(['queued', 'processed', 'unidentified', 'failed']),
  contactId: z.string().nullable(),
  warnings: z.array(z.string()),
  error: z.string().optional(),
});

const isoDate = z.iso.datetime();

export const contactViewSchema = z
  .object({
    id: z.string().regex(/^ct_[0-9a-f]{28}$/),
    email: z.string().nullable(),
    phone: z.string().nullable().describe('E.164'),
    status: z.string(),
    fields: z.record(
      z.string(),
      z.object({ value: z.union([z.string(), z.number(), z.boolean()]), source: z.string(), setAt: isoDate }).strict(),
    ),
    recentActivities: z.array(z.object({ id: z.string(), type: z.string(), source: z.string(), occurredAt: isoDate }).strict()),
    recentPageViews: z
      .array(z.object({ id: z.string().regex(/^act_[0-9a-f]{32}$/), url: z.string(), title: z.string().nullable(), viewedAt: isoDate }).strict())
      .describe('Newest first by viewedAt: the page views of the contact’s visitor ids (stitched), bounded'),
    visitorIds: z.array(z.string()),
    firstSeenAt: isoDate,
    lastActivityAt: isoDate,
    createdAt: isoDate,
    updatedAt: isoDate,
  })
  .strict();

export const contactPageSchema = z.object({ data: z.array(contactViewSchema), nextCursor: z.string().nullable() }).strict();

export const batchRequestSchema = z.object({
  activities: z.array(activityEnvelopeSchema.extend({ idempotencyKey: z.string().min(1).max(255).optional() })).max(500),
});

export const batchResultSchema = z.object({
  summary: z.object({ queued: z.number().int(), duplicate: z.number().int(), error: z.number().int() }),
  results: z.array(
    z.union([
      z.object({ index: z.number().int(), id: z.string(), status: z.enum(['queued', 'duplicate']) }),
      z.object({ index: z.number().int(), status: z.literal('error'), problem: problemSchema }),
    ]),
  ),
});

export const readinessSchema = z.object({
  status: z.enum(['ready', 'not_ready']),
  checks: z.record(z.string(), z.string()),
});
