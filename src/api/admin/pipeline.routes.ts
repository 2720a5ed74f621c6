import { Router } from 'express';
import { z } from 'zod';
import type { ActivityListing } from '../../services/activity-listing.service';
import { ACCOUNT_ID } from '../../services/admin-accounts.service';
import type { PipelineStatusService } from '../../services/pipeline-status.service';
import { activityListQuerySchema } from '../api-schemas';
import { parseRequest } from '../request-validation';

export interface PipelineRouteDeps {
  status: PipelineStatusService;
  listing: ActivityListing;
}

const accountQuery = z.string().regex(ACCOUNT_ID, 'an account id').optional();
export const pipelineQuerySchema = z.object({ account: accountQuery.describe('Whose unidentified activities to count; the bootstrap account when absent') }).strict();
export const adminActivityListQuerySchema = activityListQuerySchema.extend({
  account: accountQuery.describe('failed: one account’s only (every account’s when absent); unidentified: required'),
});

/**
 * What the console's pipeline page reads: GET /admin/pipeline (queue counts, unidentified count)
 * and GET /admin/activities (failed jobs of every account, or one account's unidentified
 * activities, with their reasons). Mounted behind requireAdmin.
 */
export function pipelineRoutes(deps: PipelineRouteDeps): Router {
  const router = Router();

  router.get('/pipeline', async (req, res) => {
    const q = parseRequest(pipelineQuerySchema, req.query, 'query');
    res.json(await deps.status.status(q.account));
  });

  router.get('/activities', async (req, res) => {
    const { account, ...q } = parseRequest(adminActivityListQuerySchema, req.query, 'query');
    res.json(await deps.listing.listForAdmin(account ?? null, q));
  });

  return router;
}
