import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../shared/logger';

declare module 'express-serve-static-core' {
  interface Request {
    id: string;
    log: Logger;
    account?: string;
    rawBody?: Buffer;
  }
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * Gives each request an id (the caller's X-Request-Id when sane) and a child logger, and logs one
 * line per request when it finishes. Logging is asynchronous in pino, so this stays off the hot path.
 */
export function requestContext(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const incoming = req.get('x-request-id');
    req.id = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    req.log = logger.child({ requestId: req.id });
    res.setHeader('X-Request-Id', req.id);
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      const level = res.statusCode >= 500 ? 'error' : 'debug';
      req.log[level](
        { method: req.method, route: req.route?.path ?? req.path, status: res.statusCode, ms: Math.round(ms * 10) / 10, account: req.account },
        'request',
      );
    });
    next();
  };
}
