import express, { type RequestHandler } from 'express';
import type { ContactImportService } from '../services/contact-import.service';
import { AppError } from '../shared/errors';
import { accountOf } from './auth';
import { enforceRateLimit, type RateLimiter } from './rate-limit';

export interface ContactImportRouteDeps {
  import: ContactImportService;
  limiter: RateLimiter;
  /** Its own body limit (IMPORT_BODY_LIMIT): a file of many rows. */
  bodyLimit: string;
}

const requireCsv: RequestHandler = (req, _res, next) => {
  if (!req.is('text/csv')) throw new AppError('unsupported_media_type', 'Send the file as Content-Type: text/csv', 415);
  next();
};

/**
 * POST /v1/contacts/import, after the API key check: CSV check, its own body limit, parse (the
 * whole file is checked before anything is queued), then the rate limit charges one unit per row,
 * like the batch route, and the rows are queued together.
 */
export function contactsImportRoutes(deps: ContactImportRouteDeps): RequestHandler[] {
  return [
    requireCsv,
    express.text({ type: 'text/csv', limit: deps.bodyLimit, defaultCharset: 'utf-8' }),
    async (req, res) => {
      const account = accountOf(req);
      const file = deps.import.parse(typeof req.body === 'string' ? req.body : '');
      await enforceRateLimit(deps.limiter, res, account, file.rows.length);
      res.status(202).json(await deps.import.enqueue(account, file));
    },
  ];
}
