import { Router } from 'express';
import { z } from 'zod';
import { activityEnvelopeSchema } from '../jobs/activity-envelope.schema';
import { pageViewSchema } from '../jobs/page-view.schema';
import {
  activityStatusSchema,
  batchRequestSchema,
  batchResultSchema,
  contactPageSchema,
  contactViewSchema,
  enqueueResultSchema,
  problemSchema,
  readinessSchema,
} from './api-schemas';

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
const bearer = [{ apiKey: [] }];
const idempotencyHeader = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description: 'Same key → same activity id and `duplicate`; without it the body hash is the key.',
  schema: { type: 'string', minLength: 1, maxLength: 255 },
};

export function openApiDocument() {
  return {
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
          description: 't=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + raw body)> (docs/webhooks.md)',
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
          summary: 'Where an activity is: queued, processed, unidentified or failed',
          security: bearer,
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^act_[0-9a-f]{32}$' } }],
          responses: { '200': { description: 'The activity', ...json(activityStatusSchema) }, '404': problem('Unknown (or another account’s) activity') },
        },
      },
      '/v1/contacts': {
        get: {
          summary: 'List or look up contacts (email and phone are normalized like the worker does)',
          security: bearer,
          parameters: [
            { name: 'email', in: 'query', schema: { type: 'string' } },
            { name: 'phone', in: 'query', schema: { type: 'string' } },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
            { name: 'cursor', in: 'query', schema: { type: 'string' } },
          ],
          responses: { '200': { description: 'A page, ordered by id', ...json(contactPageSchema) }, '400': problem('Invalid query') },
        },
      },
      '/v1/contacts/{id}': {
        get: {
          summary: 'One contact',
          security: bearer,
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^ct_[0-9a-f]{28}$' } }],
          responses: { '200': { description: 'The contact', ...json(contactViewSchema) }, '404': problem('Unknown (or another account’s) contact') },
        },
      },
      '/v1/webhooks/{provider}': {
        post: {
          summary: 'A provider webhook, authenticated by its signature (docs/webhooks.md)',
          security: [{ webhookSignature: [] }],
          parameters: [
            { name: 'provider', in: 'path', required: true, schema: { type: 'string', enum: ['scheduling', 'chatbot', 'routing-form'] } },
            { name: 'account', in: 'query', required: true, schema: { type: 'string' } },
          ],
          requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', description: "The provider's own payload" } } } },
          responses: { '202': { description: 'Stored in the queue', ...json(enqueueResultSchema) }, ...intakeErrors, '404': problem('Unknown provider') },
        },
      },
      '/healthz': { get: { summary: 'Liveness', responses: { '200': { description: 'The process answers' } } } },
      '/readyz': {
        get: {
          summary: 'Readiness: Redis, the store and the worker answer',
          responses: { '200': { description: 'Ready', ...json(readinessSchema) }, '503': { description: 'Not ready', ...json(readinessSchema) } },
        },
      },
    },
  };
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
