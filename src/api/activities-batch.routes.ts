import express, { type RequestHandler } from 'express';
import { batchSize, type BatchIntakeService } from '../services/batch-intake.service';
import { accountOf } from './auth';
import { enforceRateLimit, type RateLimiter } from './rate-limit';
import { requireJson } from './require-json';

export interface BatchRouteDeps {
  batch: BatchIntakeService;
  limiter: RateLimiter;
  /** Its own body limit: a batch is many activities, so larger than the single-activity route's. */
  bodyLimit: string;
  maxItems: number;
}

/**
 * POST /v1/activities/batch, after the API key check: the chain from the JSON check to the answer,
 * with its own body limit. The rate limit charges one unit per activity (capped at the batch
 * maximum), so batching is cheaper in round trips, not in budget.
 */
export function activitiesBatchRoutes(deps: BatchRouteDeps): RequestHandler[] {
  return [
    requireJson,
    express.json({ limit: deps.bodyLimit, strict: true }),
    async (req, res) => {
      const account = accountOf(req);
      await enforceRateLimit(deps.limiter, res, account, Math.min(batchSize(req.body), deps.maxItems));
      res.status(202).json(await deps.batch.accept(account, req.body));
    },
  ];
}
