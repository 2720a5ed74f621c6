import mongoose, { type Connection } from 'mongoose';
import { ensureIndexes, registerModels, type IndexLogger } from '../../models';
import type { Repositories } from '../index';
import { MongoAccountRepository } from './account.mongo-repository';
import { MongoActivityRepository } from './activity.mongo-repository';
import { MongoContactRepository } from './contact.mongo-repository';
import { MongoPageViewRepository } from './page-view.mongo-repository';
import { MongoSuppressionRepository } from './suppression.mongo-repository';
import { TransientStoreError } from '../../shared/errors';

import { isTransientMongoError } from './mongo-errors';
import { mongoConnectionSettings, type MongoConnectionSettings } from './connection-options';

export { isTransientMongoError };

export interface MongoRepositoryOptions {
  /** Overrides the database named in the URI (tests use one database per run). */
  dbName?: string;
  serverSelectionTimeoutMS?: number;
  operationTimeoutMS?: number;
  /** Receives one line per obsolete index dropped at start. */
  logger?: IndexLogger;
}

/** The repositories over an existing connection (also what the offline query-casting test uses). */
export function mongoRepositoriesOver(connection: Connection): Pick<Repositories, 'contacts' | 'activities' | 'accounts' | 'pageViews' | 'suppressions'> {
  const models = registerModels(connection);
  return {
    contacts: new MongoContactRepository(models.contacts),
    activities: new MongoActivityRepository(models.activities),
    accounts: new MongoAccountRepository(models.accounts, models.apiKeys, models.webhookSecrets, models.providerSecrets),
    pageViews: new MongoPageViewRepository(models.pageViews),
    suppressions: new MongoSuppressionRepository(models.suppressions),
  };
}

/**
 * Starts opening a dedicated mongoose connection (never the global default one) with the settings
 * of connection-options.ts: the driver options, the mongoose options and the connection-wide
 * `maxTimeMS`. Returns before it is open (`.asPromise()` waits), so a test can inspect what reaches
 * the driver without a server.
 */
export function openMongoConnection(uri: string, settings: MongoConnectionSettings, purpose: 'repositories' | 'indexes' = 'repositories'): Connection {
  const connection = mongoose.createConnection(uri, purpose === 'repositories' ? settings.options : settings.indexOptions);
  if (purpose === 'repositories') connection.set('maxTimeMS', settings.maxTimeMS);
  return connection;
}

/**
 * Opens the repositories' connection, brings the indexes up to date (awaited: the unique ones carry
 * correctness; on a connection of its own whose round trips are unbounded, since an index build on a
 * large collection outlasts any operation timeout) and returns the repositories.
 */
export async function createMongoRepositories(uri: string, opts: MongoRepositoryOptions = {}): Promise<Repositories> {
  const settings = mongoConnectionSettings(uri, {
    dbName: opts.dbName,
    timeouts: { serverSelectionTimeoutMS: opts.serverSelectionTimeoutMS, operationTimeoutMS: opts.operationTimeoutMS },
  });
  const connection = await openMongoConnection(uri, settings).asPromise();
  try {
    const indexConnection = await openMongoConnection(uri, settings, 'indexes').asPromise();
    try {
      if (!indexConnection.db) throw new Error('MongoDB connection is not open');
      await ensureIndexes(indexConnection.db, opts.logger);
    } finally {
      await indexConnection.close().catch(() => {});
    }
  } catch (err) {
    await connection.close().catch(() => {});
    throw err;
  }
  return {
    kind: 'mongodb',
    ...mongoRepositoriesOver(connection),
    isTransientError: (err) => err instanceof TransientStoreError || isTransientMongoError(err),
    ping: async () => {
      if (!connection.db) throw new Error('MongoDB connection is not open');
      await connection.db.command({ ping: 1 });
    },
    close: async () => {
      await connection.close();
    },
  };
}
