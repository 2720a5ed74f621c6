import mongoose, { type Connection } from 'mongoose';
import { ensureIndexes, registerModels } from '../../models';
import type { Repositories } from '../index';
import { MongoAccountRepository } from './account.mongo-repository';
import { MongoActivityRepository } from './activity.mongo-repository';
import { MongoContactRepository } from './contact.mongo-repository';
import { MongoPageViewRepository } from './page-view.mongo-repository';
import { TransientStoreError } from '../../shared/errors';

import { isTransientMongoError } from './mongo-errors';

export { isTransientMongoError };

export interface MongoRepositoryOptions {
  /** Overrides the database named in the URI (tests use one database per run). */
  dbName?: string;
  serverSelectionTimeoutMS?: number;
}

/** The repositories over an existing connection (also what the offline query-casting test uses). */
export function mongoRepositoriesOver(connection: Connection): Pick<Repositories, 'contacts' | 'activities' | 'accounts' | 'pageViews'> {
  const models = registerModels(connection);
  return {
    contacts: new MongoContactRepository(models.contacts),
    activities: new MongoActivityRepository(models.activities),
    accounts: new MongoAccountRepository(models.accounts, models.apiKeys, models.webhookSecrets),
    pageViews: new MongoPageViewRepository(models.pageViews),
  };
}

/**
 * Opens a dedicated mongoose connection (never the global default one), creates the indexes
 * (awaited: the unique ones carry correctness) and returns the repositories over it.
 */
export async function createMongoRepositories(uri: string, opts: MongoRepositoryOptions = {}): Promise<Repositories> {
  const connection = await mongoose
    .createConnection(uri, {
      ...(opts.dbName === undefined ? {} : { dbName: opts.dbName }),
      serverSelectionTimeoutMS: opts.serverSelectionTimeoutMS ?? 5000,
      // Indexes are created explicitly below, never implicitly by mongoose.
      autoIndex: false,
      autoCreate: false,
      // Fail fast with the driver's own (classifiable) errors instead of queueing operations
      // while disconnected.
      bufferCommands: false,
      // Connection-scoped (does not touch the global mongoose): any filter value that is an object
      // with `$` keys is wrapped in `$eq`. The repositories additionally accept only strings.
      sanitizeFilter: true,
    })
    .asPromise();
  try {
    await ensureIndexes(connection);
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
