import { Router, type RequestHandler } from 'express';
import type { ActivityStatusService } from '../services/activity-status.service';
import type { IntakeService } from '../services/intake.service';
import { ValidationError } from '../shared/errors';
import { accountOf } from './auth';

const ACTIVITY_ID = /^act_[0-9a-f]{32}$/;

/** POST /v1/activities, after the key check, rate limit and JSON parse (app.ts mounts the chain). */
export function activityIntakeHandler(intake: IntakeService): RequestHandler {
  return async (req, res) => {
    const result = await intake.accept({
      account: accountOf(req),
      body: req.body,
      idempotencyKey: req.get('idempotency-key'),
    });
    // An id is act_ + hex: nothing for res.location() to encode.
    res.status(202).setHeader('Location', `/v1/activities/${result.id}`);
    res.json(result);
  };
}

export function activitiesRoutes(status: ActivityStatusService): Router {
  const router = Router();

  router.get('/v1/activities/:id', async (req, res) => {
    const id = String(req.params.id);
    if (!ACTIVITY_ID.test(id)) throw new ValidationError('Not an activity id', [{ path: 'id', message: 'expected act_ followed by 32 hex digits' }]);
    res.json(await status.get(accountOf(req), id));
  });

  return router;
}
