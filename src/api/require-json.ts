import type { RequestHandler } from 'express';
import { AppError } from '../shared/errors';

// The common case, `application/json` with or without parameters, answered without parsing the
// header (express.json() parses it with type-is anyway, so parsing it here too is paid twice).
// Anything else goes through req.is, which is the rule.
const PLAIN_JSON = /^application\/json\s*(?:;|$)/i;

/** Without this, a body sent as text/plain would silently arrive as `undefined`. */
export const requireJson: RequestHandler = (req, _res, next) => {
  const type = req.headers['content-type'];
  if (!(type !== undefined && PLAIN_JSON.test(type)) && !req.is('application/json')) {
    throw new AppError('unsupported_media_type', 'Send the body as Content-Type: application/json', 415);
  }
  next();
};
