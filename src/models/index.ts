import type { Connection } from 'mongoose';
import { accountModel } from './account.model';
import { activityModel } from './activity.model';
import { apiKeyModel } from './api-key.model';
import { contactModel } from './contact.model';
import { pageViewModel } from './page-view.model';
import { webhookSecretsModel } from './webhook-secret.model';

/** Every model of the app, registered on one connection. */
export function registerModels(connection: Connection) {
  return {
    contacts: contactModel(connection),
    activities: activityModel(connection),
    pageViews: pageViewModel(connection),
    accounts: accountModel(connection),
    apiKeys: apiKeyModel(connection),
    webhookSecrets: webhookSecretsModel(connection),
  };
}

/**
 * Creates the declared indexes (additive and idempotent: `createIndexes`, never `syncIndexes`,
 * which would drop indexes it does not know, e.g. ones a newer version added during a rolling
 * deploy). An existing index with the same name but other options fails here, at start, loudly.
 * Schemas use `autoIndex: false`, so this is the only place indexes are built. Resolves once every
 * unique index exists, so no write can ever run against a collection missing its invariants.
 */
export async function ensureIndexes(connection: Connection): Promise<void> {
  const models = registerModels(connection);
  await Promise.all([
    models.contacts.createIndexes(),
    models.activities.createIndexes(),
    models.pageViews.createIndexes(),
    models.accounts.createIndexes(),
    models.apiKeys.createIndexes(),
    models.webhookSecrets.createIndexes(),
  ]);
}
