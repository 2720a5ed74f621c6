import { Router } from 'express';
import { z } from 'zod';
import type { ContactsService } from '../services/contacts.service';
import { ValidationError } from '../shared/errors';
import { formatIssues } from '../shared/zod-issues';
import { accountOf } from './auth';

// Query values are strings by schema, so `?email[$ne]=x` (an object) is rejected, never a filter.
const listQuery = z
  .object({
    email: z.string().max(320).optional(),
    phone: z.string().max(64).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().regex(/^ct_[0-9a-f]{28}$/).optional(),
  })
  .strict();

const CONTACT_ID = /^ct_[0-9a-f]{28}$/;

export function contactsRoutes(contacts: ContactsService): Router {
  const router = Router();

  router.get('/v1/contacts', async (req, res) => {
    const q = listQuery.safeParse(req.query);
    if (!q.success) throw new ValidationError('Invalid query', formatIssues(q.error));
    res.json(await contacts.list(accountOf(req), q.data));
  });

  router.get('/v1/contacts/:id', async (req, res) => {
    const id = String(req.params.id);
    if (!CONTACT_ID.test(id)) throw new ValidationError('Not a contact id', [{ path: 'id', message: 'expected ct_ followed by 28 hex digits' }]);
    res.json(await contacts.get(accountOf(req), id));
  });

  return router;
}
