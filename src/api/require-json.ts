import type { RequestHandler } from 'express';
import { AppError } from '../shared/errors';

/** Without this, a body sent as text/plain would silently arrive as `undefined`. */
export const requireJson: RequestHandler = (req, _res, next) => {
  if (!req.is('application/json')) {
    throw new AppError('unsupported_media_type', 'Send the body as Content-Type: application/json', 415);
  }
  next();
};
