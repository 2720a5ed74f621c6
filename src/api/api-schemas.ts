import { z } from 'zod';
import { activityEnvelopeSchema } from '../jobs/activity-envelope.schema';
import { LIMITS } from '../domain/limits';
import { fieldKey, fieldValueSchema, refuseIllFormedStrings } from '../jobs/activity-envelope.schema';

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
  status: z.enum(['queued', 'processed', 'unidentified', 'suppressed', 'failed']),
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
    version: z.number().int().describe('The contact’s version: its ETag is "<version>", what If-Match names'),
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
  store: z.string().optional().describe('`mongodb`, or `memory (not persistent)` on the development fallback'),
  checks: z.record(z.string(), z.string()),
});

// ---- Operator contacts API (GET/PATCH/DELETE /v1/contacts, /v1/contacts/{id}/activities) ----

const contactCursor = z.string().min(1).max(1000).describe('Opaque: a nextCursor of the same list, unchanged');
const isoInstant = z.union([z.iso.datetime({ offset: true }), z.iso.date()]).describe('ISO 8601 date-time with offset, or a date (UTC midnight)');

/**
 * GET /v1/contacts. Query values are flat strings (the app's simple query parser), and the object is
 * strict, so `?q[$ne]=x` arrives as an unknown key "q[$ne]" and answers 400.
 */
export const contactListQuerySchema = z
  .object({
    q: z.string().trim().min(1).max(100).optional().describe('Case-insensitive prefix of the email, the phone’s digits (country code first), the first or the last name'),
    status: z.string().trim().min(1).max(100).optional().describe('A status key of the account'),
    capturedFrom: isoInstant.optional().describe('firstSeenAt at or after'),
    capturedTo: isoInstant.optional().describe('firstSeenAt before'),
    sort: z.enum(['lastActivityAt', 'firstSeenAt', 'name']).optional().describe('lastActivityAt (default) and firstSeenAt newest first; name: last name, first name, ascending, nameless contacts last'),
    email: z.string().max(320).optional().describe('Exact look-up, normalized like the worker does; not with q, status, captured* or sort'),
    phone: z.string().max(64).optional().describe('Exact look-up, normalized like the worker does; not with q, status, captured* or sort'),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: contactCursor.optional(),
  })
  .strict();

/**
 * PATCH /v1/contacts/{id}. Strict: unknown, system-managed and mass-assignment keys (`id`,
 * `account`, `createdAt`, `recentActivities`, `version`, …) answer 400.
 */
export const contactPatchSchema = z
  .object({
    status: z.string().trim().min(1).max(100).optional().describe('A status key of the account'),
    fields: z
      .record(
        fieldKey.refine((k) => k !== '__proto__', 'not a usable field key'),
        fieldValueSchema,
      )
      .refine((f) => Object.keys(f).length <= LIMITS.fieldsPerActivity, `at most ${LIMITS.fieldsPerActivity} fields`)
      .optional()
      .describe('Values typed by the account’s field definitions, as an activity’s are; null (or a blank string) clears a field'),
    email: z.string().max(320).nullable().optional().describe('Replaces the email (normalized); null removes it'),
    phone: z.string().max(64).nullable().optional().describe('Replaces the phone (normalized to E.164); null removes it'),
  })
  .strict()
  .superRefine(refuseIllFormedStrings);

export const contactTimelineQuerySchema = z
  .object({
    type: z.string().trim().min(1).max(100).optional().describe('Only activities of this type'),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: contactCursor.optional(),
  })
  .strict();

export const timelineActivitySchema = z
  .object({
    id: z.string().regex(/^act_[0-9a-f]{32}$/),
    type: z.string(),
    source: z.string(),
    occurredAt: isoDate,
    receivedAt: isoDate,
    outcome: z.string().describe('processed; pending while the worker applies it'),
    status: z.string().nullable().describe('The status the activity carried, or the one an operator set'),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    fields: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).describe('As carried; in an operator edit, null is a cleared field'),
    details: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))
      .describe('Facts of the activity itself (start time, event type, cancellation reason, answers no contact field claims): never merged into the contact'),
    warnings: z.array(z.string()),
  })
  .strict();

export const timelinePageSchema = z.object({ data: z.array(timelineActivitySchema), nextCursor: z.string().nullable() }).strict();

// ---- Contact statuses and contact fields (/v1/contact-statuses, /v1/contact-fields) ----
// Requests are strict objects: unknown keys (`__proto__`, `constructor`, `$set`, …) answer 400.

const statusKeySchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'lower-case letters, digits, _ and -, at most 40');

export const contactStatusSchema = z
  .object({
    key: z.string().describe('Stable: what contacts store and an activity’s `status` names; never changes'),
    label: z.string().describe('What people read; a rename changes only this'),
    isDefault: z.boolean().describe('What new contacts get; exactly one status is the default'),
  })
  .strict();

export const contactStatusListSchema = z
  .object({ data: z.array(contactStatusSchema).describe('In display order'), defaultStatus: z.string() })
  .strict();

export const contactStatusCreateSchema = z
  .object({
    label: z.string().min(1).max(80),
    key: statusKeySchema.optional().describe('Derived from the label when absent ("Sales qualified" → sales_qualified)'),
    isDefault: z.boolean().optional(),
  })
  .strict();

export const contactStatusPatchSchema = z
  .object({
    label: z.string().min(1).max(80).optional(),
    isDefault: z.literal(true).optional().describe('Makes this the default (the previous default stops being it)'),
  })
  .strict()
  .refine((p) => p.label !== undefined || p.isDefault !== undefined, 'give label and/or isDefault');

export const contactStatusOrderSchema = z
  .object({ keys: z.array(statusKeySchema).min(1).max(50).describe('Every status key of the account, once, in the new order') })
  .strict();

export const contactStatusDeleteQuerySchema = z
  .object({ replaceWith: statusKeySchema.optional().describe('Moves the contacts holding the deleted status to this one first') })
  .strict();

export const contactStatusDeletedSchema = z.object({ deleted: z.string(), moved: z.number().int().describe('Contacts moved to replaceWith') }).strict();

const apiFieldTypeSchema = z.enum(['text', 'number', 'boolean', 'date', 'email', 'phone', 'url', 'select']);
const sourceNamesSchema = z.array(z.string().min(1).max(200)).max(50).describe('Names senders use for this field; compared ignoring case and separators');
const optionsSchema = z.array(z.string().min(1).max(200)).min(1).max(100).describe('select only: the allowed values (matched case-insensitively)');

export const contactFieldSchema = z
  .object({
    key: z.string(),
    label: z.string(),
    type: apiFieldTypeSchema,
    options: z.array(z.string()).nullable(),
    setOnce: z.boolean().describe('First-touch fact: the earliest event sets it, nothing later changes it'),
    sourceNames: z.array(z.string()),
    system: z.boolean().describe('A field every account has: it cannot be archived'),
    identifier: z.boolean().describe('email and phone: matched by the identity rules, not editable here'),
    archived: z.boolean(),
  })
  .strict();

export const contactFieldListSchema = z.object({ data: z.array(contactFieldSchema) }).strict();

export const contactFieldListQuerySchema = z.object({ includeArchived: z.enum(['true', 'false']).optional() }).strict();

export const contactFieldCreateSchema = z
  .object({
    key: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'a letter, then letters, digits or _ (at most 64)'),
    label: z.string().min(1).max(100),
    type: apiFieldTypeSchema,
    options: optionsSchema.optional(),
    setOnce: z.boolean().optional(),
    sourceNames: sourceNamesSchema.optional(),
  })
  .strict();

export const contactFieldPatchSchema = z
  .object({
    label: z.string().min(1).max(100).optional(),
    options: optionsSchema.optional(),
    setOnce: z.boolean().optional(),
    sourceNames: sourceNamesSchema.optional().describe('Replaces the list; [] removes every source name'),
    archived: z.boolean().optional().describe('false restores an archived field'),
  })
  .strict()
  .refine((p) => Object.keys(p).length > 0, 'give at least one of label, options, setOnce, sourceNames, archived');

// ---- Admin: accounts, API keys, webhook secrets (/admin/accounts…, HTTP Basic) ----

const accountIdSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lower-case letters, digits, _ and -, at most 63');
const countrySchema = z.string().regex(/^[A-Za-z]{2}$/, 'an ISO 3166 alpha-2 code such as US');

export const adminAccountSchema = z
  .object({ id: z.string(), name: z.string(), defaultCountry: z.string(), defaultStatus: z.string(), createdAt: isoDate })
  .strict();

export const adminAccountPageSchema = z.object({ data: z.array(adminAccountSchema), nextCursor: z.string().nullable() }).strict();

export const adminAccountCreateSchema = z
  .object({
    id: accountIdSchema.optional().describe('Generated (acct_…) when absent'),
    name: z.string().min(1).max(100),
    defaultCountry: countrySchema.optional().describe('For phone numbers without a country code; DEFAULT_COUNTRY when absent'),
  })
  .strict();

export const adminAccountPatchSchema = z
  .object({ name: z.string().min(1).max(100).optional(), defaultCountry: countrySchema.optional() })
  .strict()
  .refine((p) => p.name !== undefined || p.defaultCountry !== undefined, 'give name and/or defaultCountry');

export const adminAccountListQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: accountIdSchema.optional().describe('The nextCursor of the previous page'),
  })
  .strict();

export const apiKeyViewSchema = z
  .object({
    id: z.string().regex(/^key_[0-9a-f]{24}$/).describe('Not the key, not its hash'),
    label: z.string(),
    createdAt: isoDate,
    expiresAt: isoDate.nullable(),
    lastUsedAt: isoDate.nullable().describe('Recorded at most once a minute per key and API process'),
    expired: z.boolean(),
  })
  .strict();

export const createdApiKeySchema = apiKeyViewSchema.extend({ key: z.string().describe('Shown once: only its hash is stored') }).strict();

export const apiKeyListSchema = z.object({ data: z.array(apiKeyViewSchema) }).strict();

export const apiKeyCreateSchema = z
  .object({
    label: z.string().min(1).max(100),
    expiresAt: z.iso.datetime({ offset: true }).optional().describe('After it the key no longer authenticates'),
  })
  .strict();

export const webhookSecretPutSchema = z
  .object({
    secret: z.string().min(24).max(256).optional().describe('Your own secret; generated (whsec_…) when absent'),
    graceSeconds: z.number().int().min(0).max(604_800).optional().describe('How long the replaced secret still verifies (default 86400; 0 ends it now)'),
  })
  .strict();

export const webhookSecretSetSchema = z
  .object({
    provider: z.string(),
    secret: z.string().describe('Shown once'),
    createdAt: isoDate,
    rotatedAt: isoDate,
    previousExpiresAt: isoDate.nullable().describe('Until then the replaced secret verifies too'),
  })
  .strict();

export const webhookSecretListSchema = z
  .object({
    data: z.array(
      z
        .object({
          provider: z.string(),
          source: z.enum(['provider', 'account', 'none']).describe('provider: its own secret; account: the account-wide WEBHOOK_SECRET applies; none: refused'),
          createdAt: isoDate.nullable(),
          rotatedAt: isoDate.nullable(),
          previousExpiresAt: isoDate.nullable(),
        })
        .strict(),
    ),
  })
  .strict();

// ---- GDPR erase, CSV import, unidentified / failed listing (POST /v1/contacts/{id}/erase,
// POST /v1/contacts/import, GET /v1/activities) ----

/** Explicit on purpose: suppression is a decision about the person, never a default. */
export const eraseRequestSchema = z
  .object({
    suppress: z.boolean().describe('Also keep keyed hashes of the email and phone, so later activities carrying them are recorded `suppressed` and create no contact'),
  })
  .strict();

export const eraseResultSchema = z
  .object({
    contact: z.number().int().describe('1: the contact was deleted'),
    activities: z.number().int().describe('Activity records deleted (each with its raw payload)'),
    pageViews: z.number().int().describe('Page views deleted: the contact’s, and its visitor ids’ views no contact holds'),
    jobs: z.number().int().describe('BullMQ jobs of the person removed from Redis, in any state'),
    suppressed: z.boolean().describe('The email and phone hashes are stored: later activities carrying them are recorded `suppressed`'),
    queueScanComplete: z.boolean().describe('False when the queue held more jobs than one erase reads: repeat the erase once it drained'),
  })
  .strict();

export const importResultSchema = z
  .object({
    summary: z.object({ queued: z.number().int(), duplicate: z.number().int(), error: z.number().int() }).strict(),
    results: z.array(
      z.union([
        z.object({ row: z.number().int().describe('The header is row 1'), id: z.string().regex(/^act_[0-9a-f]{32}$/), status: z.enum(['queued', 'duplicate']) }).strict(),
        z.object({ row: z.number().int(), status: z.literal('error'), problem: problemSchema }).strict(),
      ]),
    ),
  })
  .strict();

const isoQueryTime = z.iso.datetime({ offset: true }).transform((s) => new Date(s));

/** Query values are strings by schema: `?outcome[$ne]=x` is refused, never a filter. */
export const activityListQuerySchema = z
  .object({
    outcome: z.enum(['unidentified', 'failed']),
    since: isoQueryTime.optional().describe('receivedAt at or after'),
    until: isoQueryTime.optional().describe('receivedAt before'),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().min(1).max(100).optional().describe('Opaque: the nextCursor of the previous page, same outcome'),
  })
  .strict();

const unidentifiedActivitySchema = z
  .object({
    id: z.string(),
    type: z.string(),
    source: z.string(),
    provider: z.string().nullable(),
    occurredAt: isoDate,
    receivedAt: isoDate,
    warnings: z.array(z.string()).describe('Why nobody was identified (email_invalid, phone_invalid …)'),
  })
  .strict();

const failedActivitySchema = z
  .object({
    id: z.string(),
    kind: z.enum(['activity', 'webhook', 'page-view']),
    provider: z.string().nullable(),
    type: z.string().nullable(),
    receivedAt: isoDate,
    failedAt: isoDate.nullable(),
    attempts: z.number().int(),
    reason: z.string().describe('`code: message`, emails and phones masked'),
  })
  .strict();

const listPage = <T extends z.ZodType>(outcome: 'unidentified' | 'failed', item: T) =>
  z
    .object({
      outcome: z.literal(outcome),
      count: z.number().int().describe('Every match of the filter, not only this page'),
      complete: z.boolean().describe('failed: false when the failed set held more jobs than one request reads (count and pages are then partial)'),
      data: z.array(item),
      nextCursor: z.string().nullable(),
    })
    .strict();

export const activityListPageSchema = z.discriminatedUnion('outcome', [
  listPage('unidentified', unidentifiedActivitySchema),
  listPage('failed', failedActivitySchema),
]);
