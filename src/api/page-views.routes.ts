import type { RequestHandler } from 'express';
import type { IntakeService } from '../services/intake.service';
import { accountOf } from './auth';

/**
 * POST /v1/page-views, after the key check, rate limit and JSON parse. No Location: a page view
 * has no status route; it shows up on its contact once stitched.
 */
export function pageViewIntakeHandler(intake: IntakeService): RequestHandler {
  return async (req, res) => {
    const result = await intake.acceptPageView({
      account: accountOf(req),
      body: req.body,
      idempotencyKey: req.get('idempotency-key'),
    });
    res.status(202).json(result);
  };
}
