import express, { Router, type Express } from 'express';
import type { Logger } from '../shared/logger';
import type { Metrics } from '../shared/metrics';
import { adminRoutes, type AdminDeps } from './admin/admin.routes';
import { healthRoutes, type ReadinessCheck } from './health.routes';
import { httpMetrics } from './http-metrics';
import { metricsRoutes, type MetricsAuth } from './metrics.routes';
import { errorHandler, notFoundHandler } from './problem';
import { requestContext } from './request-context';
import { apiSecurityHeaders } from './security-headers';

/** What operators get: request metrics, GET /metrics and (API processes only) /admin. */
export interface OpsDeps {
  metrics: Metrics;
  metricsAuth: MetricsAuth;
  admin?: AdminDeps;
  /** Served on their own port (ADMIN_PORT, createAdminApp): the API and probe apps leave them out. */
  separatePort?: boolean;
}

/** /metrics and /admin, each with its own credential; mounted before the /v1 API-key check. */
export function opsRoutes(ops: OpsDeps): Router {
  const router = Router();
  router.use(metricsRoutes(ops.metrics, ops.metricsAuth));
  if (ops.admin) router.use(adminRoutes(ops.admin));
  return router;
}

/**
 * The HTTP face of a ROLE=worker process: liveness/readiness probes and the worker's own metrics
 * (job counters live in the process that ran the jobs). No API, no admin.
 */
export function createOpsApp(deps: { logger: Logger; readiness: ReadinessCheck[]; ops: OpsDeps; store?: string; trustProxy?: number | string[] }): Express {
  const app = baseApp(deps);
  app.use(healthRoutes(deps.readiness, deps.logger, deps.store));
  if (!deps.ops.separatePort) app.use(metricsRoutes(deps.ops.metrics, deps.ops.metricsAuth));
  return finish(app, deps.logger);
}

/** ADMIN_PORT: /metrics and (API processes) /admin alone, on a port that can stay off the public network. */
export function createAdminApp(deps: { logger: Logger; ops: OpsDeps; trustProxy?: number | string[] }): Express {
  const app = baseApp(deps);
  app.use(opsRoutes(deps.ops));
  return finish(app, deps.logger);
}

function baseApp(deps: { logger: Logger; ops: OpsDeps; trustProxy?: number | string[] }): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', deps.trustProxy ?? false);
  app.use(apiSecurityHeaders());
  app.use(requestContext(deps.logger));
  app.use(httpMetrics(deps.ops.metrics));
  return app;
}

function finish(app: Express, logger: Logger): Express {
  app.use(notFoundHandler);
  app.use(errorHandler(logger));
  return app;
}
