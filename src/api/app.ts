import express, { type Express } from 'express';
import helmet from 'helmet';
import type { ApiKeyAuthenticator } from '../services/accounts.service';
import type { ActivityStatusService } from '../services/activity-status.service';
import type { ContactsService } from '../services/contacts.service';
import type { IntakeService } from '../services/intake.service';
import type { Logger } from '../shared/logger';
import { activitiesRoutes } from './activities.routes';
import { requireApiKey } from './auth';
import { contactsRoutes } from './contacts.routes';
import { healthRoutes, type ReadinessCheck } from './health.routes';
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
}

/** Builds the Express app from ready services; knows nothing about how they were made. */
export function createApp(deps: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple'); // flat string values: no nested objects to inject operators with
  app.use(helmet());
  app.use(requestContext(deps.logger));
  app.use(healthRoutes(deps.readiness));

  // Authenticate before parsing: an anonymous caller costs us no JSON parse.
  app.use('/v1', requireApiKey(deps.authenticator));
  app.use(
    express.json({
      limit: deps.bodyLimit,
      strict: true,
      // The raw bytes are kept for body-hash idempotency keys (and, later, webhook signatures).
      verify: (req, _res, buf) => {
        (req as express.Request).rawBody = buf;
      },
    }),
  );
  app.use(activitiesRoutes(deps.intake, deps.activityStatus));
  app.use(contactsRoutes(deps.contacts));

  app.use(notFoundHandler);
  app.use(errorHandler(deps.logger));
  return app;
}
