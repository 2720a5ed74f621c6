import type { Connection, Schema } from 'mongoose';
import { accountModel, accountSchema } from './account.model';
import { activityModel, activitySchema } from './activity.model';
import { apiKeyModel, apiKeySchema } from './api-key.model';
import { contactModel, contactSchema } from './contact.model';
import { pageViewModel, pageViewSchema } from './page-view.model';
import { suppressionModel, suppressionSchema } from './suppression.model';
import { providerSecretModel, providerSecretSchema } from './provider-secret.model';
import { webhookSecretsModel, webhookSecretsSchema } from './webhook-secret.model';

/** Every model of the app, registered on one connection. */
export function registerModels(connection: Connection) {
  return {
    contacts: contactModel(connection),
    activities: activityModel(connection),
    pageViews: pageViewModel(connection),
    accounts: accountModel(connection),
    apiKeys: apiKeyModel(connection),
    webhookSecrets: webhookSecretsModel(connection),
    suppressions: suppressionModel(connection),
    providerSecrets: providerSecretModel(connection),
  };
}

export type IndexKey = Record<string, 1 | -1>;

/** One index as the driver's `createIndexes` takes it. */
export interface IndexSpec {
  key: IndexKey;
  name: string;
  unique?: boolean;
  partialFilterExpression?: Record<string, unknown>;
}

const SCHEMAS: Schema[] = [contactSchema, activitySchema, pageViewSchema, accountSchema, apiKeySchema, webhookSecretsSchema, providerSecretSchema, suppressionSchema];

/** Every collection of the app with the indexes its schema declares (besides `_id`). */
export function declaredIndexes(): { collection: string; indexes: IndexSpec[] }[] {
  return SCHEMAS.map((schema) => ({
    collection: schema.get('collection') as string,
    indexes: schema.indexes().map(([key, options]) => {
      const o = options as { name?: string; unique?: boolean; partialFilterExpression?: Record<string, unknown> };
      if (!o.name) throw new Error(`an index of ${String(schema.get('collection'))} has no name: every index is named`);
      return {
        key: key as IndexKey,
        name: o.name,
        ...(o.unique ? { unique: true } : {}),
        ...(o.partialFilterExpression ? { partialFilterExpression: o.partialFilterExpression } : {}),
      };
    }),
  }));
}

/**
 * Indexes an earlier version created and this one replaced (an index's keys never change under its
 * name: a changed index gets a new name, see docs/storage.md "Upgrading indexes"). ensureIndexes drops
 * exactly these, after the indexes that replace them exist. Nothing else is ever dropped.
 */
export const OBSOLETE_INDEXES: readonly { collection: string; name: string; key: IndexKey; replacedBy: string }[] = [
  {
    collection: 'contacts',
    name: 'contacts_account_phone_lastActivityAt',
    key: { account: 1, phone: 1, lastActivityAt: -1, _id: 1 },
    replacedBy: 'contacts_account_phone_phoneOnly_lastActivityAt',
  },
  {
    collection: 'contacts',
    name: 'contacts_account_visitorIds_lastActivityAt',
    key: { account: 1, visitorIds: 1, lastActivityAt: -1 },
    replacedBy: 'contacts_account_visitorIds_lastActivityAt_id',
  },
  {
    collection: 'activities',
    name: 'activities_account_outcome',
    key: { account: 1, outcome: 1 },
    replacedBy: 'activities_account_outcome_id',
  },
  {
    collection: 'apikeys',
    name: 'apikeys_account',
    key: { account: 1 },
    replacedBy: 'apikeys_account_label',
  },
  {
    collection: 'page_views',
    name: 'page_views_account_visitorId_contactId_viewedAt',
    key: { account: 1, visitorId: 1, contactId: 1, viewedAt: -1 },
    replacedBy: 'page_views_account_visitorId_contactId_viewedAt_id',
  },
];

/** The part of the driver's Collection that index management uses (a fake one in tests). */
export interface IndexCollection {
  createIndexes(specs: IndexSpec[]): Promise<unknown>;
  listIndexes(): { toArray(): Promise<{ name?: string }[]> };
  dropIndex(name: string): Promise<unknown>;
}

export interface IndexDb {
  collection(name: string): IndexCollection;
}

export interface IndexLogger {
  info(fields: Record<string, unknown>, message: string): void;
}

// Another process of the same deploy dropped it between our listIndexes and dropIndex.
const INDEX_NOT_FOUND = 27;

/**
 * Brings every collection's indexes to what this version declares, at start, before any repository
 * is used:
 *   1. `createIndexes` with every declared index (additive and idempotent, so every api/worker
 *      process can run it on every start, concurrently; resolves once each index is built, so no
 *      write ever runs against a collection missing its unique indexes);
 *   2. then, per collection, drops the indexes named in OBSOLETE_INDEXES that still exist, with one
 *      log line each. Their replacements exist by then, so every query is served throughout.
 * Never `syncIndexes`: that would also drop indexes this version does not know, e.g. the ones a
 * newer version created during a rolling deploy.
 */
export async function ensureIndexes(db: IndexDb, logger?: IndexLogger): Promise<{ dropped: string[] }> {
  const declared = declaredIndexes();
  const declaredNames = new Set(declared.flatMap((c) => c.indexes.map((i) => `${c.collection}.${i.name}`)));
  await Promise.all(declared.map(({ collection, indexes }) => (indexes.length ? db.collection(collection).createIndexes(indexes) : undefined)));
  const dropped: string[] = [];
  for (const collection of new Set(OBSOLETE_INDEXES.map((o) => o.collection))) {
    const obsolete = OBSOLETE_INDEXES.filter((o) => o.collection === collection && !declaredNames.has(`${collection}.${o.name}`));
    if (!obsolete.length) continue;
    const coll = db.collection(collection);
    const existing = new Set((await coll.listIndexes().toArray()).map((i) => i.name));
    for (const { name, replacedBy } of obsolete) {
      if (!existing.has(name)) continue;
      try {
        await coll.dropIndex(name);
      } catch (err) {
        if ((err as { code?: unknown }).code === INDEX_NOT_FOUND) continue;
        throw err;
      }
      dropped.push(`${collection}.${name}`);
      logger?.info({ collection, index: name, replacedBy }, 'dropped obsolete MongoDB index');
    }
  }
  return { dropped };
}
