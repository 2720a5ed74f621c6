import { Router } from 'express';
import { STATUS_KEY } from '../domain';
import type { ContactStatusesService } from '../services/contact-statuses.service';
import {
  contactStatusCreateSchema,
  contactStatusDeleteQuerySchema,
  contactStatusOrderSchema,
  contactStatusPatchSchema,
} from './api-schemas';
import { accountOf } from './auth';
import { parseRequest, pathParam, rejectQuery } from './request-validation';
import { requireJson } from './require-json';

const keyOf = (params: Record<string, unknown>) => pathParam(params, 'key', STATUS_KEY, 'a status key: lower-case letters, digits, _ and -');

/**
 * /v1/contact-statuses (Bearer API key; JSON parsed by the app after the key check). Every route
 * reads and writes the caller's account only: another account's status keys are simply unknown.
 */
export function contactStatusesRoutes(statuses: ContactStatusesService): Router {
  const router = Router();

  router.get('/v1/contact-statuses', async (req, res) => {
    rejectQuery(req.query);
    res.json(await statuses.list(accountOf(req)));
  });

  router.post('/v1/contact-statuses', requireJson, async (req, res) => {
    rejectQuery(req.query);
    const body = parseRequest(contactStatusCreateSchema, req.body, 'status');
    const created = await statuses.create(accountOf(req), body);
    res.status(201).location(`/v1/contact-statuses/${created.key}`).json(created);
  });

  // Before /:key so "order" is never read as a key (PUT has no /:key route anyway).
  router.put('/v1/contact-statuses/order', requireJson, async (req, res) => {
    rejectQuery(req.query);
    const body = parseRequest(contactStatusOrderSchema, req.body, 'order');
    res.json(await statuses.reorder(accountOf(req), body.keys));
  });

  router.get('/v1/contact-statuses/:key', async (req, res) => {
    rejectQuery(req.query);
    res.json(await statuses.get(accountOf(req), keyOf(req.params)));
  });

  router.patch('/v1/contact-statuses/:key', requireJson, async (req, res) => {
    rejectQuery(req.query);
    const key = keyOf(req.params);
    const body = parseRequest(contactStatusPatchSchema, req.body, 'status change');
    res.json(await statuses.update(accountOf(req), key, body));
  });

  router.delete('/v1/contact-statuses/:key', async (req, res) => {
    const key = keyOf(req.params);
    const query = parseRequest(contactStatusDeleteQuerySchema, req.query, 'query');
    res.json(await statuses.remove(accountOf(req), key, query.replaceWith));
  });

  return router;
}
