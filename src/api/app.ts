import express, { type Express } from 'express';
import helmet from 'helmet';
import type { ApiKeyAuthenticator } from '../services/accounts.service';
import type { ActivityStatusService } from '../services/activity-status.service';
import type { ContactsService } from '../services/contacts.service';
import type { IntakeService } from '../services/intake.service';
import type { Logger } from '../shared/logger';
import { activitiesBatchRoutes, type BatchRouteDeps } from './activities-batch.routes';
import { activitiesRoutes } from './activities.routes';
import { requireApiKey } from './auth';
import { contactsRoutes } from './contacts.routes';
import { healthRoutes, type ReadinessCheck } from './health.routes';
import { openApiRoutes } from './openapi';
import { pageViewsRoutes } from './page-views.routes';
import { httpMetrics } from './http-metrics';
import { opsRoutes, type OpsDeps } from './ops';
import { rateLimit, type RateLimiter } from './rate-limit';
import { webhooksRoutes, type WebhooksRouteDeps } from './webhooks.routes';
import { errorHandler, notFoundHandler } from './problem';
import { requestContext } from './request-context';

export interface ApiDeps {
  logger: Logger;
  bodyLimit: string;
  authenticator: ApiKeyAuthenticator;
  intake: IntakeService;
  activityStatus: ActivityStatusService;
  contacts: ContactsService;
  readiness: ReadinessCheck[];
  /** Request metrics, GET /metrics and /admin (Bull Board, replay). */
  ops?: OpsDeps;
  /** Per-account intake rate limit, shared by every intake route. */
  rateLimiter: RateLimiter;
  webhooks: Omit<WebhooksRouteDeps, 'limiter'>;
  batch: Omit<BatchRouteDeps, 'limiter'>;
}

/** Builds the Express app from ready services; knows nothing about how they were made. */
export function createApp(deps: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple'); // flat string values: no nested objects to inject operators with
  app.use(helmet());
  app.use(requestContext(deps.logger));
  if (deps.ops) app.use(httpMetrics(deps.ops.metrics));
  app.use(healthRoutes(deps.readiness, deps.logger));
  // Public like the probes: the API contract holds nothing account-specific, and tools fetch it without a key.
  app.use(openApiRoutes());
  // Own credentials (admin Basic, metrics token), checked before any body is parsed.
  if (deps.ops) app.use(opsRoutes(deps.ops));

  // Signed by the sender instead of an API key, so mounted before the key check; raw-body parser.
  app.use(webhooksRoutes({ ...deps.webhooks, limiter: deps.rateLimiter }));

  // Authenticate before parsing: an anonymous caller costs us no JSON parse.
  app.use('/v1', requireApiKey(deps.authenticator));
  // Its own (larger) body limit; the app-wide parser below then skips the already-read body.
  app.use(activitiesBatchRoutes({ ...deps.batch, limiter: deps.rateLimiter }));
  // Rate limited before the parse: a throttled client costs no JSON parse either.
  app.post(['/v1/activities', '/v1/page-views'], rateLimit(deps.rateLimiter));
  app.use(express.json({ limit: deps.bodyLimit, strict: true }));
  app.use(activitiesRoutes(deps.intake, deps.activityStatus));
  app.use(pageViewsRoutes(deps.intake));
  app.use(contactsRoutes(deps.contacts));

  app.use(notFoundHandler);
  app.use(errorHandler(deps.logger));
  return app;
}
