import mongoose, { type Connection } from 'mongoose';
import { createMongoRepositories } from '../../src/repositories/mongo';
import { obtainMongo, probeMongo, uniqueDbName, warnMongoSkipped, type ObtainedMongo } from '../support/mongo';
import { describeRepositoryContract } from './repositories.contract';

/**
 * The same contract against a real mongod. Whether one exists is decided synchronously while jest
 * collects tests (probeMongo), so a machine without one reports these cases as skipped, with one
 * loud line saying why, instead of passing them vacuously.
 */
const availability = probeMongo();

if ('skipped' in availability) {
  warnMongoSkipped(availability.skipped);
  describeRepositoryContract('mongodb', () => Promise.reject(new Error('unreachable: skipped')), {
    skip: availability.skipped,
  });
} else {
  let mongo: ObtainedMongo;
  let admin: Connection;
  const runPrefix = uniqueDbName('contactflow_contract');
  let n = 0;

  beforeAll(async () => {
    const obtained = await obtainMongo();
    // A mongod was found above, so failing to get one now is an error, not a skip.
    if ('skipped' in obtained) throw new Error(`MongoDB became unavailable: ${obtained.skipped}`);
    mongo = obtained;
    admin = await mongoose.createConnection(mongo.uri, { serverSelectionTimeoutMS: 5000 }).asPromise();
  }, 120_000);

  afterAll(async () => {
    await admin?.close();
    await mongo?.stop();
  });

  describeRepositoryContract('mongodb', async () => {
    // Each case gets its own database of this run: no state leaks between cases or runs, and a
    // shared MONGODB_URI server is never touched outside the databases this run created.
    const dbName = `${runPrefix}_${++n}`;
    const repos = await createMongoRepositories(mongo.uri, { dbName });
    return {
      repos,
      cleanup: async () => {
        await repos.close();
        await admin.useDb(dbName, { useCache: false }).dropDatabase();
      },
    };
  });
}
