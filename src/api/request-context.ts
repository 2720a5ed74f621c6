import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../shared/logger';

declare module 'express-serve-static-core' {
  interface Request {
    id: string;
    log: Logger;
    account?: string;
  }
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * Gives each request an id (the caller's X-Request-Id when sane) and a child logger, and at debug
 * level logs one line per request when it finishes. The child logger is made on first use: at the
 * default level (info) a request costs no logging work at all.
 */
export function requestContext(logger: Logger): RequestHandler {
  const childLoggers = new WeakMap<object, Logger>();
  let prototypeReady = false;
  return (req, res, next) => {
    if (!prototypeReady) {
      // One accessor on this app's request prototype (not one defineProperty per request, which
      // would also push every request object into slow dictionary mode).
      prototypeReady = true;
      Object.defineProperty(Object.getPrototypeOf(req), 'log', {
        configurable: true,
        get(this: typeof req) {
          let log = childLoggers.get(this);
          if (!log) childLoggers.set(this, (log = logger.child({ requestId: this.id })));
          return log;
        },
        set(this: typeof req, value: Logger) {
          childLoggers.set(this, value);
        },
      });
    }
    const incoming = req.get('x-request-id');
    req.id = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader('X-Request-Id', req.id);
    // Request lines are debug: above it no listener is attached at all. A 5xx never depends on this
    // line: the error handler and the readiness probe log every 5xx they answer, with its cause.
    if (logger.isLevelEnabled('debug')) {
      const start = process.hrtime.bigint();
      res.on('finish', () => {
        const ms = Number(process.hrtime.bigint() - start) / 1e6;
        req.log[res.statusCode >= 500 ? 'error' : 'debug'](
          { method: req.method, route: req.route?.path ?? req.path, status: res.statusCode, ms: Math.round(ms * 10) / 10, account: req.account },
          'request',
        );
      });
    }
    next();
  };
}
