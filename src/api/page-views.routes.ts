import { Router } from 'express';
import type { IntakeService } from '../services/intake.service';
import { accountOf } from './auth';
import { requireJson } from './require-json';

export function pageViewsRoutes(intake: IntakeService): Router {
  const router = Router();

  // No Location: a page view has no status route; it shows up on its contact once stitched.
  router.post('/v1/page-views', requireJson, async (req, res) => {
    const result = await intake.acceptPageView({
      account: accountOf(req),
      body: req.body,
      idempotencyKey: req.get('idempotency-key'),
    });
    res.status(202).json(result);
  });

  return router;
}
