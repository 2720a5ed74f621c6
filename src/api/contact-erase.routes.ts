import { Router } from 'express';
import type { EraseContact } from '../services/erase-contact.service';
import { ValidationError } from '../shared/errors';
import { formatIssues } from '../shared/zod-issues';
import { eraseRequestSchema } from './api-schemas';
import { accountOf } from './auth';
import { requireJson } from './require-json';

const CONTACT_ID = /^ct_[0-9a-f]{28}$/;

/** POST /v1/contacts/{id}/erase (GDPR): see erase-contact.service.ts for what goes and in which order. */
export function contactEraseRoutes(erase: EraseContact): Router {
  const router = Router();

  router.post('/v1/contacts/:id/erase', requireJson, async (req, res) => {
    const id = String(req.params.id);
    if (!CONTACT_ID.test(id)) throw new ValidationError('Not a contact id', [{ path: 'id', message: 'expected ct_ followed by 28 hex digits' }]);
    const body = eraseRequestSchema.safeParse(req.body);
    if (!body.success) throw new ValidationError('Send {"suppress": true|false}', formatIssues(body.error));
    res.json(await erase(accountOf(req), id, body.data));
  });

  return router;
}
