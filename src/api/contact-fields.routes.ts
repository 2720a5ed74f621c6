import { Router } from 'express';
import { FIELD_KEY } from '../domain';
import type { ContactFieldsService } from '../services/contact-fields.service';
import { contactFieldCreateSchema, contactFieldListQuerySchema, contactFieldPatchSchema } from './api-schemas';
import { accountOf } from './auth';
import { parseRequest, pathParam, rejectQuery } from './request-validation';
import { requireJson } from './require-json';

const keyOf = (params: Record<string, unknown>) => pathParam(params, 'key', FIELD_KEY, 'a field key: a letter, then letters, digits or _');

/**
 * /v1/contact-fields (Bearer API key). The caller's account only. Changes apply to activities
 * processed after them (within SETTINGS_CACHE_TTL_MS on every worker); captured values stay.
 */
export function contactFieldsRoutes(fields: ContactFieldsService): Router {
  const router = Router();

  router.get('/v1/contact-fields', async (req, res) => {
    const q = parseRequest(contactFieldListQuerySchema, req.query, 'query');
    res.json(await fields.list(accountOf(req), { includeArchived: q.includeArchived === 'true' }));
  });

  router.post('/v1/contact-fields', requireJson, async (req, res) => {
    rejectQuery(req.query);
    const body = parseRequest(contactFieldCreateSchema, req.body, 'contact field');
    const created = await fields.create(accountOf(req), body);
    res.status(201).location(`/v1/contact-fields/${created.key}`).json(created);
  });

  router.get('/v1/contact-fields/:key', async (req, res) => {
    rejectQuery(req.query);
    res.json(await fields.get(accountOf(req), keyOf(req.params)));
  });

  router.patch('/v1/contact-fields/:key', requireJson, async (req, res) => {
    rejectQuery(req.query);
    const key = keyOf(req.params);
    const body = parseRequest(contactFieldPatchSchema, req.body, 'contact field change');
    res.json(await fields.update(accountOf(req), key, body));
  });

  // Archive, not erase: the definition stays (listed with ?includeArchived=true, restorable).
  router.delete('/v1/contact-fields/:key', async (req, res) => {
    rejectQuery(req.query);
    res.json(await fields.archive(accountOf(req), keyOf(req.params)));
  });

  return router;
}
