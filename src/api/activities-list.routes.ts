import { Router } from 'express';
import type { ActivityListing } from '../services/activity-listing.service';
import { ValidationError } from '../shared/errors';
import { formatIssues } from '../shared/zod-issues';
import { activityListQuerySchema } from './api-schemas';
import { accountOf } from './auth';

/** GET /v1/activities?outcome=unidentified|failed: what did not become part of a contact. */
export function activitiesListRoutes(listing: ActivityListing): Router {
  const router = Router();

  router.get('/v1/activities', async (req, res) => {
    const q = activityListQuerySchema.safeParse(req.query);
    if (!q.success) throw new ValidationError('Invalid query', formatIssues(q.error));
    res.json(await listing.list(accountOf(req), q.data));
  });

  return router;
}
