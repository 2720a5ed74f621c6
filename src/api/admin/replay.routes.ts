import express, { Router } from 'express';
import type { ReplayService } from '../../services/replay.service';
import { requireJson } from '../require-json';

/**
 * POST /admin/replay: re-enqueue failed jobs (and, on request, unidentified activities) selected
 * by queue, reason, time range or ids. `dryRun` only counts. Mounted behind requireAdmin.
 */
export function replayRoutes(replay: ReplayService): Router {
  const router = Router();
  router.post('/replay', requireJson, express.json({ limit: '1mb', strict: true }), async (req, res) => {
    const result = await replay.replay(req.body ?? {});
    req.log.info({ ...result }, 'operator replay');
    res.json(result);
  });
  return router;
}
