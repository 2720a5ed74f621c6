import express, { type Express } from 'express';
import type { ApiKeyAuthenticator } from '../services/accounts.service';
import type { ActivityStatusService } from '../services/activity-status.service';
import type { ContactsService } from '../services/contacts.service';
import type { ContactFieldsService } from '../services/contact-fields.service';
import type { ContactStatusesService } from '../services/contact-statuses.service';
import type { ActivityListing } from '../services/activity-listing.service';
import type { EraseContact } from '../services/erase-contact.service';
import type { IntakeService } from '../services/intake.service';
import type { Logger } from '../shared/logger';
import { activitiesBatchRoutes, type BatchRouteDeps } from './activities-batch.routes';
import { activitiesRoutes, activityIntakeHandler } from './activities.routes';
import { activitiesListRoutes } from './activities-list.routes';
import { contactEraseRoutes } from './contact-erase.routes';
import { contactsImportRoutes, type ContactImportRouteDeps } from './contacts-import.routes';
import { requireApiKey } from './auth';
import { throttled, type AuthThrottle } from './auth-throttle';
import { contactsRoutes } from './contacts.routes';
import { contactFieldsRoutes } from './contact-fields.routes';
import { contactStatusesRoutes } from './contact-statuses.routes';
import { healthRoutes, type ReadinessCheck } from './health.routes';
import { openApiRoutes } from './openapi';
import { pageViewIntakeHandler } from './page-views.routes';
import { httpMetrics } from './http-metrics';
import { opsRoutes, type OpsDeps } from './ops';
import { rateLimit, type RateLimiter } from './rate-limit';
import { requireJson } from './require-json';
import { apiSecurityHeaders } from './security-headers';
import { consoleCredentials, consoleSessionRoutes } from './console-session';
import { consoleStaticRoutes } from './console-static';
import type { ConsoleSessions } from '../services/console-sessions.service';
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
  /** Named in /readyz: `mongodb`, or `memory (not persistent)`. */
  store?: string;
  /** Request metrics, GET /metrics and /admin (Bull Board, replay). */
  ops?: OpsDeps;
  /** Per-account intake rate limit, shared by every intake route. */
  rateLimiter: RateLimiter;
  webhooks: Omit<WebhooksRouteDeps, 'limiter'>;
  batch: Omit<BatchRouteDeps, 'limiter'>;
  /** GDPR erase, CSV import, and the unidentified / failed activity listing. */
  erase: EraseContact;
  contactImport: Omit<ContactImportRouteDeps, 'limiter'>;
  activityListing: ActivityListing;
  /** The account's contact statuses and contact field definitions. */
  contactStatuses: ContactStatusesService;
  contactFields: ContactFieldsService;
  /** The operator console at /console, and its session cookie as a credential of /v1 and /admin. */
  console?: { sessions: ConsoleSessions };
  /** Limits failed authentications per client address (API keys here; webhooks and ops get their own reference). */
  authThrottle?: AuthThrottle;
  /** The store's transient errors: a request that meets one is answered 503 + Retry-After, not 500. */
  isTransientStoreError?(err: unknown): boolean;
  /** Express's `trust proxy` (TRUST_PROXY): which address req.ip, and so the throttle, sees. */
  trustProxy?: number | string[];
}

/** Builds the Express app from ready services; knows nothing about how they were made. */
export function createApp(deps: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // Answers are small, mostly 202s, and never re-fetched conditionally: no sha1 per reply.
  app.set('etag', false);
  app.set('query parser', 'simple'); // flat string values: no nested objects to inject operators with
  app.set('trust proxy', deps.trustProxy ?? false);
  app.use(apiSecurityHeaders());
  app.use(requestContext(deps.logger));
  if (deps.ops) app.use(httpMetrics(deps.ops.metrics));

  // The intake routes come first, each as one app-level route with its whole chain: Express then
  // tests one path per layer instead of walking every router for the busiest requests.
  // Order within a chain: authenticate before anything (an anonymous caller costs no parse),
  // rate limit before the parse (a throttled one costs none either), then the body.
  const consoleAuth = deps.console ? consoleCredentials(deps.console.sessions) : undefined;
  const auth = throttled(deps.authThrottle, 'api_key', requireApiKey(deps.authenticator, consoleAuth?.operatorAccount));
  const limited = rateLimit(deps.rateLimiter);
  const json = express.json({ limit: deps.bodyLimit, strict: true });
  app.post('/v1/activities', auth, limited, requireJson, json, activityIntakeHandler(deps.intake));
  app.post('/v1/page-views', auth, limited, requireJson, json, pageViewIntakeHandler(deps.intake));
  // Its own (larger) body limit and a cost known only after the parse.
  app.post('/v1/activities/batch', auth, activitiesBatchRoutes({ ...deps.batch, limiter: deps.rateLimiter }));
  // A CSV body with its own limit, charged per row like the batch.
  app.post('/v1/contacts/import', auth, contactsImportRoutes({ ...deps.contactImport, limiter: deps.rateLimiter }));

  app.use(healthRoutes(deps.readiness, deps.logger, deps.store));
  // Public like the probes: the API contract holds nothing account-specific, and tools fetch it without a key.
  app.use(openApiRoutes());
  // Own credentials (admin Basic, metrics token), checked before any body is parsed; with
  // ADMIN_PORT they are served by the admin app instead (createAdminApp) and are 404 here, so the
  // console's admin pages are then unavailable on this port too.
  if (deps.ops && !deps.ops.separatePort) {
    app.use(opsRoutes(consoleAuth && deps.ops.admin ? { ...deps.ops, admin: { ...deps.ops.admin, session: consoleAuth.isAdmin } } : deps.ops));
  }
  if (deps.console) {
    // The session routes first: the static handler below falls through for unknown names.
    app.use(consoleSessionRoutes(deps.console.sessions, deps.authThrottle));
    app.use(consoleStaticRoutes());
  }

  // Signed by the sender instead of an API key, so mounted before the key check; raw-body parser.
  app.use(webhooksRoutes({ ...deps.webhooks, limiter: deps.rateLimiter, throttle: deps.authThrottle }));

  app.use('/v1', auth);
  app.use(express.json({ limit: deps.bodyLimit, strict: true }));
  app.use(activitiesRoutes(deps.activityStatus));
  app.use(activitiesListRoutes(deps.activityListing));
  app.use(contactEraseRoutes(deps.erase));
  app.use(contactsRoutes(deps.contacts));
  app.use(contactStatusesRoutes(deps.contactStatuses));
  app.use(contactFieldsRoutes(deps.contactFields));

  app.use(notFoundHandler);
  app.use(errorHandler(deps.logger, { isStoreUnavailable: deps.isTransientStoreError }));
  return app;
}
