import { Router, type Request, type Response } from 'express';
import type { z } from 'zod';
import type { IfMatch } from '../services/contact-edit.service';
import { toContactView, type ContactsService } from '../services/contacts.service';
import type { ContactRecord } from '../repositories';
import { ValidationError } from '../shared/errors';
import { formatIssues } from '../shared/zod-issues';
import { contactListQuerySchema, contactPatchSchema, contactTimelineQuerySchema } from './api-schemas';
import { accountOf } from './auth';
import { requireJson } from './require-json';

const CONTACT_ID = /^ct_[0-9a-f]{28}$/;

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(what, formatIssues(result.error));
  return result.data;
}

function contactId(req: Request): string {
  const id = String(req.params.id);
  if (!CONTACT_ID.test(id)) throw new ValidationError('Not a contact id', [{ path: 'id', message: 'expected ct_ followed by 28 hex digits' }]);
  return id;
}

/** The contact with its version as a strong ETag: what If-Match names on PATCH. */
function sendContact(res: Response, c: ContactRecord): void {
  res.setHeader('ETag', `"${c.version}"`);
  res.json(toContactView(c));
}

/**
 * If-Match (RFC 9110 13.1.1): `*`, or a list of entity tags compared strongly, so a weak tag
 * (`W/"3"`) never matches. A header that names no version answers 412 like a stale one would.
 */
export function parseIfMatch(header: string | undefined): IfMatch | undefined {
  if (header === undefined) return undefined;
  if (header.trim() === '*') return { any: true };
  const versions: number[] = [];
  for (const tag of header.split(',')) {
    const m = /^"(\d{1,15})"$/.exec(tag.trim());
    if (m) versions.push(Number(m[1]));
  }
  return { any: false, versions };
}

export function contactsRoutes(contacts: ContactsService): Router {
  const router = Router();

  router.get('/v1/contacts', async (req, res) => {
    const q = parse(contactListQuerySchema, req.query, 'Invalid query');
    res.json(
      await contacts.list(accountOf(req), {
        ...q,
        capturedFrom: q.capturedFrom === undefined ? undefined : new Date(q.capturedFrom),
        capturedTo: q.capturedTo === undefined ? undefined : new Date(q.capturedTo),
      }),
    );
  });

  router.get('/v1/contacts/:id', async (req, res) => {
    sendContact(res, await contacts.get(accountOf(req), contactId(req)));
  });

  router.patch('/v1/contacts/:id', requireJson, async (req, res) => {
    const id = contactId(req);
    const patch = parse(contactPatchSchema, req.body, 'Invalid contact edit');
    sendContact(res, await contacts.edit(accountOf(req), id, patch, parseIfMatch(req.get('if-match'))));
  });

  router.delete('/v1/contacts/:id', async (req, res) => {
    await contacts.delete(accountOf(req), contactId(req));
    res.status(204).end();
  });

  router.get('/v1/contacts/:id/activities', async (req, res) => {
    const id = contactId(req);
    const q = parse(contactTimelineQuerySchema, req.query, 'Invalid query');
    res.json(await contacts.timeline(accountOf(req), id, q));
  });

  return router;
}
