import type { Request, RequestHandler, Response } from 'express';
import type { Metrics } from '../shared/metrics';

/**
 * Counts every request by its route pattern (`/v1/activities/:id`), never its raw path: ids in
 * label values would make one series per activity and sink Prometheus.
 */
export function httpMetrics(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      metrics.observeHttp(req.method, routeLabel(req, res), res.statusCode, seconds);
    });
    next();
  };
}

function routeLabel(req: Request, res: Response): string {
  if (typeof res.locals.metricsRoute === 'string') return res.locals.metricsRoute;
  const pattern = req.route?.path;
  if (typeof pattern === 'string') return `${req.baseUrl ?? ''}${pattern}`;
  // Answered before reaching a route (401, 413, 415 from middleware) or by no route at all.
  return res.statusCode === 404 ? 'unmatched' : 'middleware';
}
