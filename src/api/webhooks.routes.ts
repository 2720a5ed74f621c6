import express, { Router, type RequestHandler } from 'express';
import type { WebhookIntakeService } from '../services/webhook-intake.service';
import { UnauthorizedError, ValidationError } from '../shared/errors';
import type { AuthThrottle } from './auth-throttle';
import { enforceRateLimit, type RateLimiter } from './rate-limit';

export interface WebhooksRouteDeps {
  webhooks: WebhookIntakeService;
  limiter: RateLimiter;
  bodyLimit: string;
  /** Limits bad signatures and unknown accounts per client address; checked before the body is read. */
  throttle?: AuthThrottle;
}

/**
 * POST /v1/webhooks/:provider?account=<account id>. Mounted before the API key check: the sender
 * is authenticated by its signature. The body is read as raw bytes (any content type, bounded)
 * because the signature covers exactly those bytes; it is parsed only once verified, so an
 * unsigned flood costs an HMAC, never a JSON parse, and cannot spend the account's rate limit.
 * The signature header is the provider's own (Oncehub-Signature, Calendly-Webhook-Signature,
 * X-Cal-Signature-256, Typeform-Signature), Contactflow-Signature for the generic providers.
 */
export function webhooksRoutes(deps: WebhooksRouteDeps): Router {
  const router = Router();
  const guard: RequestHandler = deps.throttle ? deps.throttle.guard : (_req, _res, next) => next();
  router.post('/v1/webhooks/:provider', guard, express.raw({ type: () => true, limit: deps.bodyLimit }), async (req, res) => {
    const account = typeof req.query.account === 'string' ? req.query.account : '';
    if (!account) throw new ValidationError('Name the account: /v1/webhooks/:provider?account=<account id>', [{ path: 'query.account', message: 'required' }]);
    const provider = String(req.params.provider);
    const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);

    try {
      await deps.webhooks.authenticate({ account, provider, rawBody, signature: req.get(deps.webhooks.signatureHeader(provider)) });
    } catch (err) {
      if (err instanceof UnauthorizedError) await deps.throttle?.failed(req, 'webhook');
      throw err;
    }
    req.account = account; // for the request log line
    await enforceRateLimit(deps.limiter, res, account, 1);
    const result = await deps.webhooks.accept({ account, provider, rawBody });
    // An id is act_ + hex: nothing for res.location() to encode.
    res.status(202).setHeader('Location', `/v1/activities/${result.id}`);
    res.json(result);
  });
  return router;
}
