import { Router, type RequestHandler } from 'express';
import type { Metrics } from '../shared/metrics';
import { isAdmin, safeEqual } from './admin/admin-auth';
import type { AuthThrottle } from './auth-throttle';
import { sendProblem } from './problem';

export interface MetricsAuth {
  /** `Authorization: Bearer <METRICS_TOKEN>`: what a Prometheus scrape job sends. */
  token: string | undefined;
  /** The admin credential works too, so an operator can look with curl -u admin. */
  adminPassword: string | undefined;
  /** Limits failed attempts per client address: the admin password must not be guessable here either. */
  throttle?: AuthThrottle;
}

/**
 * GET /metrics in the Prometheus text format. Authenticated like every other route: queue depths
 * and failure codes are operational data. Without METRICS_TOKEN and ADMIN_PASSWORD it is off.
 */
export function metricsRoutes(metrics: Metrics, auth: MetricsAuth): Router {
  const router = Router();
  router.get('/metrics', requireMetricsCredential(auth), async (_req, res) => {
    const { contentType, body } = await metrics.text();
    res.setHeader('Cache-Control', 'no-store');
    res.type(contentType).send(body);
  });
  return router;
}

function requireMetricsCredential({ token, adminPassword, throttle }: MetricsAuth): RequestHandler {
  return async (req, res, next) => {
    if (!token && !adminPassword) {
      return sendProblem(res, 404, 'metrics_disabled', 'Metrics are disabled: set METRICS_TOKEN (or ADMIN_PASSWORD)');
    }
    if (throttle && !throttle.admit(req, res)) return;
    const header = req.get('authorization');
    const bearer = header?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
    if (token && bearer !== undefined && safeEqual(bearer, token)) return next();
    if (adminPassword && isAdmin(header, adminPassword)) return next();
    await throttle?.failedAttempt(req, bearer === undefined ? 'admin' : 'metrics');
    res.setHeader('WWW-Authenticate', token ? 'Bearer realm="contactflow metrics"' : 'Basic realm="contactflow admin"');
    return sendProblem(res, 401, 'unauthorized', 'Metrics need Authorization: Bearer <METRICS_TOKEN> or the admin credential');
  };
}
