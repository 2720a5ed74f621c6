import { Router } from 'express';
import { z } from 'zod';
import { activityEnvelopeSchema } from '../jobs/activity-envelope.schema';
import { pageViewSchema } from '../jobs/page-view.schema';
import {
  activityStatusSchema,
  batchRequestSchema,
  batchResultSchema,
  contactListQuerySchema,
  contactPageSchema,
  contactPatchSchema,
  contactTimelineQuerySchema,
  contactViewSchema,
  timelinePageSchema,
  enqueueResultSchema,
  problemSchema,
  readinessSchema,
} from './api-schemas';
import { activityListPageSchema, activityListQuerySchema, eraseRequestSchema, eraseResultSchema, importResultSchema } from './api-schemas';
import {
  adminAccountCreateSchema,
  adminAccountListQuerySchema,
  adminAccountPageSchema,
  adminAccountPatchSchema,
  adminAccountSchema,
  apiKeyCreateSchema,
  apiKeyListSchema,
  contactFieldCreateSchema,
  contactFieldListQuerySchema,
  contactFieldListSchema,
  contactFieldPatchSchema,
  contactFieldSchema,
  contactStatusCreateSchema,
  contactStatusDeletedSchema,
  contactStatusDeleteQuerySchema,
  contactStatusListSchema,
  contactStatusOrderSchema,
  contactStatusPatchSchema,
  contactStatusSchema,
  createdApiKeySchema,
  webhookSecretListSchema,
  webhookSecretPutSchema,
  webhookSecretSetSchema,
} from './api-schemas';
import { PROVIDER_NAMES } from '../services/mappers';
import { signatureSchemeFor } from '../services/signatures';
import { replayRequestSchema } from '../services/replay.service';
import { CONSOLE_COOKIE, consoleSessionViewSchema, consoleSignInSchema } from './console-session';
import { adminActivityListQuerySchema, pipelineQuerySchema } from './admin/pipeline.routes';
import { PIPELINE_STATES } from '../services/pipeline-status.service';

type Schema = z.ZodType;

// OpenAPI 3.1 schemas are JSON Schema 2020-12, which is what zod emits; requests are described by
// what a client sends (input), answers by what the server sends (output).
const jsonSchema = (schema: Schema, io: 'input' | 'output') => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
};

const json = (schema: Schema, io: 'input' | 'output' = 'output') => ({ content: { 'application/json': { schema: jsonSchema(schema, io) } } });
const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } });
const intakeErrors = {
  '400': problem('Malformed JSON or an invalid activity (`errors` lists every offending path)'),
  '401': problem('Missing or invalid API key'),
  '413': problem('Body over the route limit'),
  '415': problem('Body is not application/json'),
  '429': problem('Account rate limit spent (Retry-After)'),
  '503': problem('Redis cannot take the job, or the queue is over capacity (Retry-After); nothing was stored'),
};
// The console's session cookie works wherever the key does (changes also need X-CSRF-Token).
const bearer = [{ apiKey: [] }, { consoleSession: [] }];
const adminSecurity = [{ adminBasic: [] }, { consoleSession: [] }];

/** Query parameters from a zod object, one per property, as a client sends them. */
function queryParameters(schema: Schema) {
  const { properties = {}, required = [] } = jsonSchema(schema, 'input') as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
  return Object.entries(properties).map(([name, prop]) => {
    const { description, ...rest } = prop;
    return { name, in: 'query', required: required.includes(name), ...(description ? { description } : {}), schema: rest };
  });
}
const contactIdParameter = { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^ct_[0-9a-f]{28}$' } };
const etagHeader = { ETag: { description: 'The contact’s version, `"<version>"`: send it back in If-Match', schema: { type: 'string' } } };
const idempotencyHeader = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description: 'Same key → same activity id and `duplicate`; without it the body hash is the key.',
  schema: { type: 'string', minLength: 1, maxLength: 255 },
};

export function openApiDocument() {
  return withAuthThrottle({
    openapi: '3.1.0',
    info: {
      title: 'contactflow',
      version: '0.1.0',
      description: 'Turns customer activities into one contact per real person. See README.md.',
    },
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <api key>' },
        webhookSignature: {
          type: 'apiKey',
          in: 'header',
          name: 'Contactflow-Signature',
          description: 'Custom sources (scheduling, chatbot, routing-form): t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + raw body)> (docs/webhooks.md)',
        },
        oncehubSignature: {
          type: 'apiKey',
          in: 'header',
          name: 'Oncehub-Signature',
          description: 'OnceHub: t=<unix seconds>,s=<hex HMAC-SHA256(secret, t + "." + raw body)> (https://developers.oncehub.com/docs/webhook-signatures)',
        },
        calendlySignature: {
          type: 'apiKey',
          in: 'header',
          name: 'Calendly-Webhook-Signature',
          description: 'Calendly: t=<unix seconds>,v1=<hex HMAC-SHA256(signing key, t + "." + raw body)> (https://developer.calendly.com/api-docs/overview/webhooks/webhook-signatures)',
        },
        calcomSignature: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Cal-Signature-256',
          description: 'Cal.com: <hex HMAC-SHA256(secret, raw body)> (https://cal.com/docs/developing/guides/automation/webhooks)',
        },
        typeformSignature: {
          type: 'apiKey',
          in: 'header',
          name: 'Typeform-Signature',
          description: 'Typeform: sha256=<base64 HMAC-SHA256(secret, raw body)> (https://www.typeform.com/developers/webhooks/secure-your-webhooks/)',
        },
        adminBasic: { type: 'http', scheme: 'basic', description: 'HTTP Basic, user `admin`, password ADMIN_PASSWORD (routes off without it)' },
        metricsToken: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <METRICS_TOKEN>' },
        consoleSession: {
          type: 'apiKey',
          in: 'cookie',
          name: CONSOLE_COOKIE,
          description:
            'The console’s session (POST /console/session): an operator session on /v1, the admin session on /admin. POST, PUT, PATCH and DELETE also need X-CSRF-Token (GET /console/session) and, when sent, an Origin of this app (403 csrf_failed otherwise).',
        },
      },
      schemas: { Problem: jsonSchema(problemSchema, 'output') },
    },
    paths: {
      '/v1/activities': {
        post: {
          summary: 'Accept one activity',
          security: bearer,
          parameters: [idempotencyHeader],
          requestBody: { required: true, ...json(activityEnvelopeSchema, 'input') },
          responses: { '202': { description: 'Stored in the queue', ...json(enqueueResultSchema) }, ...intakeErrors },
        },
        get: listActivitiesOperation(),
      },
      '/v1/page-views': {
        post: {
          summary: 'Accept one page view of an anonymous visitor; it joins a contact once an identified activity carries the same visitorId',
          security: bearer,
          parameters: [idempotencyHeader],
          requestBody: { required: true, ...json(pageViewSchema, 'input') },
          responses: { '202': { description: 'Stored in the queue', ...json(enqueueResultSchema) }, ...intakeErrors },
        },
      },
      '/v1/activities/batch': {
        post: {
          summary: 'Accept up to BATCH_MAX activities, each validated on its own',
          security: bearer,
          requestBody: { required: true, ...json(batchRequestSchema, 'input') },
          responses: { '202': { description: 'One result per item, in order', ...json(batchResultSchema) }, ...intakeErrors },
        },
      },
      '/v1/activities/{id}': {
        get: {
          summary: 'Where an activity is: queued, processed, unidentified, suppressed or failed',
          security: bearer,
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^act_[0-9a-f]{32}$' } }],
          responses: { '200': { description: 'The activity', ...json(activityStatusSchema) }, '404': problem('Unknown (or another account’s) activity') },
        },
      },
      '/v1/contacts': {
        get: {
          summary: 'Search, filter and sort the contacts, or look one up by email or phone (normalized like the worker does)',
          security: bearer,
          parameters: queryParameters(contactListQuerySchema),
          responses: {
            '200': { description: 'A page in the requested order (email/phone look-ups: by id); nextCursor continues it', ...json(contactPageSchema) },
            '400': problem('Invalid query or cursor, or a look-up combined with the list’s filters'),
            '401': problem('Missing or invalid API key'),
          },
        },
      },
      '/v1/contacts/{id}': {
        get: {
          summary: 'One contact',
          security: bearer,
          parameters: [contactIdParameter],
          responses: {
            '200': { description: 'The contact', headers: etagHeader, ...json(contactViewSchema) },
            '404': problem('Unknown (or another account’s) contact'),
          },
        },
        patch: {
          summary: 'Edit a contact: status, field values (set or clear), email, phone. An edit is an event at the time of the edit (identity rule 6)',
          security: bearer,
          parameters: [
            contactIdParameter,
            { name: 'If-Match', in: 'header', required: false, description: 'The ETag read (`"<version>"`): 412 when the contact changed since. Without it, concurrent updates are merged by event time.', schema: { type: 'string' } },
          ],
          requestBody: { required: true, ...json(contactPatchSchema, 'input') },
          responses: {
            '200': { description: 'The updated contact', headers: etagHeader, ...json(contactViewSchema) },
            '400': problem('Invalid edit: unknown or system-managed keys, a value that does not fit its field, an unknown status, an invalid email or phone'),
            '404': problem('Unknown (or another account’s) contact'),
            '409': problem('identifier_taken: another contact holds the email or phone (nothing changed); field_set_once: a set-once field holds another value'),
            '412': problem('If-Match names a version the contact no longer has'),
            '415': problem('Body is not application/json'),
          },
        },
        delete: {
          summary: 'Delete a contact: its activities and page views stay in the account’s history without a contact; a later activity with its email creates a new contact',
          security: bearer,
          parameters: [contactIdParameter],
          responses: { '204': { description: 'Deleted' }, '404': problem('Unknown (or another account’s) contact') },
        },
      },
      '/v1/contacts/{id}/activities': {
        get: {
          summary: 'The contact’s engagement history, newest first by occurredAt, operator edits (contact.updated) included',
          security: bearer,
          parameters: [contactIdParameter, ...queryParameters(contactTimelineQuerySchema)],
          responses: {
            '200': { description: 'A page; nextCursor continues it', ...json(timelinePageSchema) },
            '400': problem('Invalid query or cursor'),
            '404': problem('Unknown (or another account’s) contact'),
          },
        },
      },
      '/v1/webhooks/{provider}': {
        post: {
          summary: 'A provider webhook, authenticated by its signature (docs/webhooks.md)',
          description: webhookSignatureDescription(),
          // One of these, by provider: each verifies its own header over the raw body with the
          // account's secrets for that provider.
          security: [{ oncehubSignature: [] }, { calendlySignature: [] }, { calcomSignature: [] }, { typeformSignature: [] }, { webhookSignature: [] }],
          parameters: [
            { name: 'provider', in: 'path', required: true, schema: { type: 'string', enum: [...PROVIDER_NAMES] } },
            { name: 'account', in: 'query', required: true, schema: { type: 'string' } },
          ],
          requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', description: "The provider's own payload" } } } },
          responses: { '202': { description: 'Stored in the queue', ...json(enqueueResultSchema) }, ...intakeErrors, '404': problem('Unknown provider') },
        },
      },
      ...eraseAndImportPaths(),
      ...settingsPaths(),
      ...adminAccountsPaths(),
      ...opsPaths(),
      ...consolePaths(),
      '/healthz': { get: { summary: 'Liveness', responses: { '200': { description: 'The process answers' } } } },
      '/readyz': {
        get: {
          summary: 'Readiness: Redis, the store and the worker answer',
          responses: { '200': { description: 'Ready', ...json(readinessSchema) }, '503': { description: 'Not ready', ...json(readinessSchema) } },
        },
      },
    },
  });
}

// ---- GDPR erase, CSV import, unidentified / failed listing ----

function listActivitiesOperation() {
  return {
    summary: 'Unidentified activities (from the store) or failed ones (from the queue’s failed set) of the caller’s account, with a count; no PII',
    security: bearer,
    parameters: queryParameters(activityListQuerySchema),
    responses: {
      '200': { description: 'A page: unidentified by id, failed newest failure first', ...json(activityListPageSchema) },
      '400': problem('Invalid query or cursor'),
      '401': problem('Missing or invalid API key'),
    },
  };
}

function eraseAndImportPaths() {
  return {
    '/v1/contacts/{id}/erase': {
      post: {
        summary:
          'GDPR erase: the contact, its activities, page views, raw payloads and identifiers leave the store and Redis; with suppress, later activities carrying its email or phone are recorded `suppressed` without PII and create no contact',
        security: bearer,
        parameters: [contactIdParameter],
        requestBody: { required: true, ...json(eraseRequestSchema, 'input') },
        responses: {
          '200': { description: 'What was erased', ...json(eraseResultSchema) },
          '400': problem('Invalid id or body'),
          '401': problem('Missing or invalid API key'),
          '404': problem('Unknown (or another account’s) contact'),
          '409': problem('A worker is processing one of its activities right now: retry in a few seconds (nothing of the store was erased yet)'),
          '415': problem('Body is not application/json'),
        },
      },
    },
    '/v1/contacts/import': {
      post: {
        summary:
          'Import contacts from a CSV: each row becomes a `contact.imported` activity through the normal pipeline; columns email / phone / occurredAt, every other column a field (mapped by the account’s source names); idempotent by row content',
        security: bearer,
        requestBody: {
          required: true,
          content: { 'text/csv': { schema: { type: 'string', description: 'UTF-8 CSV with a header row; at most IMPORT_MAX_ROWS (5,000) rows and IMPORT_BODY_LIMIT (2 MB)' } } },
        },
        responses: {
          '202': { description: 'One result per data row, in order', ...json(importResultSchema) },
          '400': problem('Malformed CSV (`errors` names the line), an unusable header, or no data rows'),
          '401': problem('Missing or invalid API key'),
          '413': problem('More rows or bytes than an import takes'),
          '415': problem('Body is not text/csv'),
          '429': problem('Account rate limit spent (one unit per row; Retry-After)'),
          '503': problem('Redis cannot take the jobs, or the queue is over capacity (Retry-After)'),
        },
      },
    },
  };
}

// ---- Contact statuses and contact fields (Bearer), accounts / keys / secrets (admin Basic) ----

const statusKeyParameter = { name: 'key', in: 'path', required: true, schema: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,39}$' } };
const fieldKeyParameter = { name: 'key', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_]{0,63}$' } };
const accountIdParameter = { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,62}$' } };
const operatorErrors = {
  '400': problem('Invalid body, query or path: unknown keys (`__proto__`, `$set`, …) included; `errors` lists every offending path'),
  '401': problem('Missing or invalid API key'),
};
const adminErrors = {
  '400': problem('Invalid body, query or path: unknown keys included; `errors` lists every offending path'),
  '401': problem('Missing or wrong admin credential (an API key is none)'),
  '404': problem('Unknown account (or admin routes off: admin_disabled)'),
};
const jsonBody = { '415': problem('Body is not application/json') };

function settingsPaths() {
  const statusChange = 'Changes apply to activities processed afterwards (within 5 s on every worker)';
  return {
    '/v1/contact-statuses': {
      get: {
        summary: 'The account’s contact statuses, in order, with the one default',
        security: bearer,
        responses: { '200': { description: 'In display order', ...json(contactStatusListSchema) }, ...operatorErrors },
      },
      post: {
        summary: `Add a status at the end (key derived from the label unless given). ${statusChange}`,
        security: bearer,
        requestBody: { required: true, ...json(contactStatusCreateSchema, 'input') },
        responses: {
          '201': { description: 'Created', headers: { Location: { schema: { type: 'string' } } }, ...json(contactStatusSchema) },
          ...operatorErrors,
          '409': problem('status_exists, status_label_taken, too_many_statuses'),
          ...jsonBody,
        },
      },
    },
    '/v1/contact-statuses/order': {
      put: {
        summary: 'Reorder: name every status key once',
        security: bearer,
        requestBody: { required: true, ...json(contactStatusOrderSchema, 'input') },
        responses: { '200': { description: 'The new order', ...json(contactStatusListSchema) }, ...operatorErrors, ...jsonBody },
      },
    },
    '/v1/contact-statuses/{key}': {
      get: {
        summary: 'One status',
        security: bearer,
        parameters: [statusKeyParameter],
        responses: { '200': { description: 'The status', ...json(contactStatusSchema) }, ...operatorErrors, '404': problem('Unknown status') },
      },
      patch: {
        summary: `Rename (the key and the contacts stay as they are) and/or make it the default. ${statusChange}`,
        security: bearer,
        parameters: [statusKeyParameter],
        requestBody: { required: true, ...json(contactStatusPatchSchema, 'input') },
        responses: {
          '200': { description: 'The status', ...json(contactStatusSchema) },
          ...operatorErrors,
          '404': problem('Unknown status'),
          '409': problem('status_label_taken'),
          ...jsonBody,
        },
      },
      delete: {
        summary: 'Delete a status nobody holds, or move its contacts to `replaceWith` first',
        security: bearer,
        parameters: [statusKeyParameter, ...queryParameters(contactStatusDeleteQuerySchema)],
        responses: {
          '200': { description: 'Deleted; how many contacts moved', ...json(contactStatusDeletedSchema) },
          ...operatorErrors,
          '404': problem('Unknown status'),
          '409': problem('status_in_use (`contacts` says how many; pass replaceWith) or status_is_default (make another the default first)'),
        },
      },
    },
    '/v1/contact-fields': {
      get: {
        summary: 'The contact fields: the identifiers (email, phone), the system fields and the custom ones',
        security: bearer,
        parameters: queryParameters(contactFieldListQuerySchema),
        responses: { '200': { description: 'Identifiers first, then in creation order', ...json(contactFieldListSchema) }, ...operatorErrors },
      },
      post: {
        summary: `Define a custom field: key, label, type, options (select), setOnce, source names. ${statusChange}`,
        security: bearer,
        requestBody: { required: true, ...json(contactFieldCreateSchema, 'input') },
        responses: {
          '201': { description: 'Created', headers: { Location: { schema: { type: 'string' } } }, ...json(contactFieldSchema) },
          ...operatorErrors,
          '409': problem('field_exists (archived ones included), source_name_taken, too_many_fields'),
          ...jsonBody,
        },
      },
    },
    '/v1/contact-fields/{key}': {
      get: {
        summary: 'One field (archived ones too)',
        security: bearer,
        parameters: [fieldKeyParameter],
        responses: { '200': { description: 'The field', ...json(contactFieldSchema) }, ...operatorErrors, '404': problem('Unknown field') },
      },
      patch: {
        summary: `Change label, options, setOnce or source names; archive or restore. The key and type are fixed. ${statusChange}`,
        security: bearer,
        parameters: [fieldKeyParameter],
        requestBody: { required: true, ...json(contactFieldPatchSchema, 'input') },
        responses: {
          '200': { description: 'The field', ...json(contactFieldSchema) },
          ...operatorErrors,
          '404': problem('Unknown field'),
          '409': problem('system_field (cannot be archived), field_not_editable (email, phone), source_name_taken'),
          ...jsonBody,
        },
      },
      delete: {
        summary: 'Archive a custom field: no longer typed nor mapped for later activities; captured values stay; PATCH archived:false restores it',
        security: bearer,
        parameters: [fieldKeyParameter],
        responses: {
          '200': { description: 'The archived field', ...json(contactFieldSchema) },
          ...operatorErrors,
          '404': problem('Unknown field'),
          '409': problem('system_field or field_not_editable'),
        },
      },
    },
  };
}

function adminAccountsPaths() {
  const admin = adminSecurity;
  const keyIdParameter = { name: 'keyId', in: 'path', required: true, schema: { type: 'string', pattern: '^key_[0-9a-f]{24}$' } };
  const providerParameter = { name: 'provider', in: 'path', required: true, schema: { type: 'string', enum: [...PROVIDER_NAMES] } };
  return {
    '/admin/accounts': {
      post: {
        summary: 'Create an account with the qualification pipeline of statuses and the default contact fields',
        security: admin,
        requestBody: { required: true, ...json(adminAccountCreateSchema, 'input') },
        responses: {
          '201': { description: 'Created', headers: { Location: { schema: { type: 'string' } } }, ...json(adminAccountSchema) },
          ...adminErrors,
          '409': problem('account_exists'),
          ...jsonBody,
        },
      },
      get: {
        summary: 'Accounts in id order',
        security: admin,
        parameters: queryParameters(adminAccountListQuerySchema),
        responses: { '200': { description: 'A page; nextCursor continues it', ...json(adminAccountPageSchema) }, ...adminErrors },
      },
    },
    '/admin/accounts/{id}': {
      get: {
        summary: 'One account',
        security: admin,
        parameters: [accountIdParameter],
        responses: { '200': { description: 'The account', ...json(adminAccountSchema) }, ...adminErrors },
      },
      patch: {
        summary: 'Rename, or change the default country (phones without a country code, activities processed afterwards)',
        security: admin,
        parameters: [accountIdParameter],
        requestBody: { required: true, ...json(adminAccountPatchSchema, 'input') },
        responses: { '200': { description: 'The account', ...json(adminAccountSchema) }, ...adminErrors, ...jsonBody },
      },
    },
    '/admin/accounts/{id}/api-keys': {
      post: {
        summary: 'Create an API key for the account; the key is in this answer only',
        security: admin,
        parameters: [accountIdParameter],
        requestBody: { required: true, ...json(apiKeyCreateSchema, 'input') },
        responses: {
          '201': { description: 'Created', headers: { Location: { schema: { type: 'string' } } }, ...json(createdApiKeySchema) },
          ...adminErrors,
          '409': problem('too_many_api_keys'),
          ...jsonBody,
        },
      },
      get: {
        summary: 'The account’s keys, without secrets, oldest first',
        security: admin,
        parameters: [accountIdParameter],
        responses: { '200': { description: 'Every key', ...json(apiKeyListSchema) }, ...adminErrors },
      },
    },
    '/admin/accounts/{id}/api-keys/{keyId}': {
      delete: {
        summary: 'Revoke a key: refused by every API process within 5 s',
        security: admin,
        parameters: [accountIdParameter, keyIdParameter],
        responses: { '204': { description: 'Revoked' }, ...adminErrors },
      },
    },
    '/admin/accounts/{id}/webhook-secrets': {
      get: {
        summary: 'Every webhook provider with where its signing secret comes from; never the secrets',
        security: admin,
        parameters: [accountIdParameter],
        responses: { '200': { description: 'One entry per provider', ...json(webhookSecretListSchema) }, ...adminErrors },
      },
    },
    '/admin/accounts/{id}/webhook-secrets/{provider}': {
      put: {
        summary: 'Set (body {secret}) or generate (empty body) the provider’s signing secret, returned once; the replaced one verifies until previousExpiresAt',
        security: admin,
        parameters: [accountIdParameter, providerParameter],
        requestBody: { required: false, ...json(webhookSecretPutSchema, 'input') },
        responses: { '200': { description: 'The new secret', ...json(webhookSecretSetSchema) }, ...adminErrors, ...jsonBody },
      },
    },
  };
}

function opsPaths() {
  const counts = { type: 'object', properties: { matched: { type: 'integer' }, replayed: { type: 'integer' } }, required: ['matched', 'replayed'] };
  return {
    '/admin/replay': {
      post: {
        summary: 'Re-enqueue failed jobs (and, on request, unidentified activities) after a fix; dryRun only counts (docs/operations.md)',
        security: adminSecurity,
        requestBody: { required: true, ...json(replayRequestSchema, 'input') },
        responses: {
          '200': {
            description: 'What matched and what was re-enqueued',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: { ...counts.properties, dryRun: { type: 'boolean' }, failed: counts, unidentified: counts },
                  required: ['matched', 'replayed', 'dryRun', 'failed', 'unidentified'],
                },
              },
            },
          },
          ...adminErrors,
          ...jsonBody,
        },
      },
    },
    '/metrics': {
      get: {
        summary: 'Prometheus metrics (text format); off without METRICS_TOKEN and ADMIN_PASSWORD',
        security: [{ metricsToken: [] }, { adminBasic: [] }],
        responses: {
          '200': { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } },
          '401': problem('Missing or wrong credential'),
          '404': problem('metrics_disabled'),
        },
      },
    },
    '/openapi.json': {
      get: { summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1', content: { 'application/json': { schema: { type: 'object' } } } } } },
    },
  };
}

/** The console page, its session, and the admin routes its pipeline page reads. */
function consolePaths() {
  const adminErrors = { '400': problem('Invalid query'), '401': problem('Missing or wrong admin credential') };
  return {
    '/console': {
      get: {
        summary: 'The operator console (an HTML page with its scripts under /console/; docs/console.md)',
        responses: { '200': { description: 'The page', content: { 'text/html': { schema: { type: 'string' } } } } },
      },
    },
    '/console/session': {
      post: {
        summary: 'Sign in to the console with an API key (the account’s operator) or the admin password; sets the httpOnly, SameSite=Strict session cookie',
        requestBody: { required: true, ...json(consoleSignInSchema, 'input') },
        responses: {
          '201': { description: 'Signed in; Set-Cookie carries the session id', ...json(consoleSessionViewSchema) },
          '400': problem('Neither apiKey nor adminPassword'),
          '401': problem('Wrong key or password'),
          '403': problem('csrf_failed: Origin of another site'),
          ...jsonBody,
        },
      },
      get: {
        summary: 'Who is signed in, and the CSRF token to send with changes',
        security: [{ consoleSession: [] }],
        responses: { '200': { description: 'The session', ...json(consoleSessionViewSchema) }, '401': problem('Not signed in') },
      },
      delete: {
        summary: 'Sign out: the session ends on the server and the cookie is cleared',
        security: [{ consoleSession: [] }],
        responses: { '204': { description: 'Signed out' }, '403': problem('csrf_failed') },
      },
    },
    '/admin/pipeline': {
      get: {
        summary: 'The activities queue’s job counts (every account) and one account’s unidentified count',
        security: adminSecurity,
        parameters: queryParameters(pipelineQuerySchema),
        responses: {
          '200': {
            description: 'Counts',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: {
                    queue: { type: 'string' },
                    counts: { type: 'object', properties: Object.fromEntries(PIPELINE_STATES.map((s) => [s, { type: 'integer' }])), required: [...PIPELINE_STATES] },
                    account: { type: 'string' },
                    unidentified: { type: 'integer' },
                  },
                  required: ['queue', 'counts', 'account', 'unidentified'],
                },
              },
            },
          },
          ...adminErrors,
        },
      },
    },
    '/admin/activities': {
      get: {
        summary: 'Failed activities of every account (or one), or one account’s unidentified activities, with their reasons; like GET /v1/activities, each item names its account',
        security: adminSecurity,
        parameters: queryParameters(adminActivityListQuerySchema),
        responses: { '200': { description: 'A page (items also carry `account`)', ...json(activityListPageSchema) }, ...adminErrors },
      },
    },
  };
}

const AUTH_THROTTLED = 'too many failed authentications from this address (Retry-After; answered before the credential is checked)';

/** Every authenticated operation may answer 429 while the caller's address is over AUTH_FAILURES_PER_MINUTE. */
function withAuthThrottle<T extends { paths: Record<string, Record<string, unknown>> }>(doc: T): T {
  for (const item of Object.values(doc.paths)) {
    for (const op of Object.values(item) as { security?: unknown[]; responses: Record<string, { description: string }> }[]) {
      if (!op.security?.length) continue;
      const existing = op.responses['429'];
      op.responses['429'] = existing ? { ...existing, description: `${existing.description}; or ${AUTH_THROTTLED}` } : problem(`Too many failed authentications from this address (Retry-After; answered before the credential is checked)`);
    }
  }
  return doc;
}

/** GET /openapi.json: generated once, from the same schemas the routes and tests use. */
export function openApiRoutes(): Router {
  const router = Router();
  const body = JSON.stringify(openApiDocument());
  router.get('/openapi.json', (_req, res) => {
    res.type('application/json').send(body);
  });
  return router;
}

/** Which header each provider signs with, from the one table of schemes. */
function webhookSignatureDescription(): string {
  const lines = PROVIDER_NAMES.map((p) => {
    const scheme = signatureSchemeFor(p);
    return `- \`${p}\`: \`${scheme.header}: ${scheme.format}\`${scheme.timestamped ? ' (timestamp within WEBHOOK_TOLERANCE_SECONDS)' : ''}`;
  });
  return ['Each provider signs the raw body with its own header; any active secret of the account for that provider verifies.', ...lines].join('\n');
}
