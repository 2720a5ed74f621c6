import { Router } from 'express';
import helmet from 'helmet';
import type { Queue } from 'bullmq';
import type { ReplayService } from '../../services/replay.service';
import { accountsAdminRoutes, type AccountsAdminDeps } from './accounts.routes';
import type { AuthThrottle } from '../auth-throttle';
import { adminDisabled, requireAdmin, type AdminFromSession } from './admin-auth';
import { BULL_BOARD_PATH, bullBoardRouter, onlyReads } from './bull-board';
import { pipelineRoutes, type PipelineRouteDeps } from './pipeline.routes';
import { sameOriginWrites } from './same-origin-writes';
import { replayRoutes } from './replay.routes';

export interface AdminDeps {
  /** Unset: every /admin route answers 404 admin_disabled. */
  adminPassword: string | undefined;
  queues: Queue[];
  replay: ReplayService;
  /** /admin/accounts…: tenants, API keys, webhook secrets. */
  accounts?: AccountsAdminDeps;
  /** /admin/pipeline and /admin/activities: queue counts, failed and unidentified activities. */
  pipeline?: PipelineRouteDeps;
  /** The console's admin session, accepted next to HTTP Basic. */
  session?: AdminFromSession;
  /** Limits failed admin logins per client address. */
  throttle?: AuthThrottle;
}

/** Everything under /admin, authenticated before any body is parsed or any queue is read. */
export function adminRoutes(deps: AdminDeps): Router {
  const router = Router();
  if (!deps.adminPassword) {
    router.use('/admin', adminDisabled);
    return router;
  }
  const admin = Router();
  admin.use(sameOriginWrites);
  const throttle = deps.throttle;
  if (throttle) admin.use(throttle.guard);
  admin.use(requireAdmin(deps.adminPassword, { fromSession: deps.session, onFailure: throttle && ((req) => throttle.failedAttempt(req, 'admin')) }));
  admin.use(replayRoutes(deps.replay));
  if (deps.pipeline) admin.use(pipelineRoutes(deps.pipeline));
  if (deps.accounts) admin.use(accountsAdminRoutes(deps.accounts));
  const board = bullBoardRouter(deps.queues);
  admin.use(
    BULL_BOARD_PATH.replace(/^\/admin/, ''),
    (_req, res, next) => {
      res.locals.metricsRoute = BULL_BOARD_PATH; // one label for all of Bull Board's own routes
      next();
    },
    onlyReads,
    // Bull Board serves HTML: helmet's page defaults (CSP, framing, …) replace the JSON API's set.
    helmet(),
    board,
  );
  router.use('/admin', admin);
  return router;
}
