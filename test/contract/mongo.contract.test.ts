import mongoose, { type Connection } from 'mongoose';
import { declaredIndexes } from '../../src/models';
import { createMongoRepositories } from '../../src/repositories/mongo';
import { obtainMongo, probeMongo, uniqueDbName, warnMongoSkipped, type ObtainedMongo } from '../support/mongo';
import { describeRepositoryContract } from './repositories.contract';

/**
 * The same contract against a real mongod. Whether one exists is decided synchronously while jest
 * collects tests (probeMongo), so a machine without one reports these cases as skipped, with one
 * loud line saying why, instead of passing them vacuously.
 */

// What only a mongod can show: the start-up index migration against the real driver API, and the
// query planner's choice for the paged queries (their offline counterparts are
// mongo-indexes.offline.test.ts and mongo-queries.offline.test.ts).
const MONGO_ONLY = 'MongoDB only: indexes at start and query plans';

function mongoOnlyCases(env: () => { uri: string; admin: Connection; runPrefix: string }) {
  it('creates the declared indexes, drops the listed obsolete ones with a log line each, and leaves every other index', async () => {
    const dbName = `${env().runPrefix}_migrate`;
    const db = env().admin.getClient().db(dbName);
    // As a previous version left them, plus an index of the operator's own.
    await db.collection('contacts').createIndex({ account: 1, phone: 1, lastActivityAt: -1, _id: 1 }, { name: 'contacts_account_phone_lastActivityAt' });
    await db.collection('activities').createIndex({ account: 1, outcome: 1 }, { name: 'activities_account_outcome' });
    await db.collection('activities').createIndex({ receivedAt: 1 }, { name: 'an_operators_own_index' });
    const lines: Record<string, unknown>[] = [];
    const repos = await createMongoRepositories(env().uri, { dbName, logger: { info: (fields) => lines.push(fields) } });
    try {
      const names = async (collection: string) => (await db.collection(collection).indexes()).map((i) => i.name);
      for (const { collection, indexes } of declaredIndexes()) {
        for (const index of indexes) expect(await names(collection)).toContain(index.name);
      }
      expect(await names('contacts')).not.toContain('contacts_account_phone_lastActivityAt');
      expect(await names('activities')).not.toContain('activities_account_outcome');
      expect(await names('activities')).toContain('an_operators_own_index');
      expect(lines.map((l) => l.index).sort()).toEqual(['activities_account_outcome', 'contacts_account_phone_lastActivityAt']);
      // A second start (every process runs it) changes nothing.
      lines.length = 0;
      const again = await createMongoRepositories(env().uri, { dbName, logger: { info: (fields) => lines.push(fields) } });
      await again.close();
      expect(lines).toEqual([]);
    } finally {
      await repos.close();
      await db.dropDatabase();
    }
  });

  it('the paged and stitching queries take their order from an index (no COLLSCAN, no in-memory SORT)', async () => {
    const dbName = `${env().runPrefix}_plans`;
    const repos = await createMongoRepositories(env().uri, { dbName });
    const db = env().admin.getClient().db(dbName);
    try {
      const plan = async (collection: string, filter: Record<string, unknown>, sort: Record<string, 1 | -1>, limit: number) =>
        JSON.stringify(((await db.collection(collection).find(filter).sort(sort).limit(limit).explain('queryPlanner')) as { queryPlanner: unknown }).queryPlanner);
      const plans = {
        listUnidentified: await plan('activities', { account: 'acme', outcome: 'unidentified', _id: { $gt: 'acme:a' } }, { _id: 1 }, 100),
        listUnattached: await plan('page_views', { account: 'acme', visitorId: 'v1', contactId: null }, { viewedAt: -1, _id: -1 }, 100),
        findByVisitorId: await plan('contacts', { account: 'acme', visitorIds: 'v1' }, { lastActivityAt: -1, _id: 1 }, 1),
        listByPhone: await plan('contacts', { account: 'acme', phone: '+14155552671', _id: { $gt: 'ct_0' } }, { _id: 1 }, 21),
        findByPhone: await plan('contacts', { account: 'acme', phone: '+14155552671' }, { phoneOnly: -1, lastActivityAt: -1, _id: 1 }, 20),
      };
      for (const [query, text] of Object.entries(plans)) {
        expect([query, /"stage":"SORT"/.test(text), /COLLSCAN/.test(text)]).toEqual([query, false, false]);
      }
      const count = JSON.stringify(
        await db.command({ explain: { count: 'activities', query: { account: 'acme', outcome: 'unidentified' } }, verbosity: 'queryPlanner' }),
      );
      expect(count).not.toMatch(/COLLSCAN/);
    } finally {
      await repos.close();
      await db.dropDatabase();
    }
  });

  // The operator's contact list and a contact's timeline. Several indexes start with (account) or
  // (account, status), so only the winning plan is checked: the planner must pick the one that
  // gives the order, not sort in memory.
  it('the contact list and the timeline take their order from an index in every sort', async () => {
    const dbName = `${env().runPrefix}_list_plans`;
    const repos = await createMongoRepositories(env().uri, { dbName });
    const db = env().admin.getClient().db(dbName);
    try {
      const winning = async (collection: string, filter: Record<string, unknown>, sort: Record<string, 1 | -1>, limit: number) =>
        JSON.stringify(((await db.collection(collection).find(filter).sort(sort).limit(limit).explain('queryPlanner')) as { queryPlanner: { winningPlan: unknown } }).queryPlanner.winningPlan);
      const d = new Date('2026-01-01T00:00:00Z');
      const plans = {
        recent: await winning('contacts', { account: 'acme' }, { lastActivityAt: -1, _id: -1 }, 51),
        recentAfter: await winning('contacts', { account: 'acme', lastActivityAt: { $lte: d }, $nor: [{ lastActivityAt: d, _id: { $gte: 'ct_1' } }] }, { lastActivityAt: -1, _id: -1 }, 51),
        recentByStatus: await winning('contacts', { account: 'acme', status: 'new' }, { lastActivityAt: -1, _id: -1 }, 51),
        firstSeenCaptured: await winning('contacts', { account: 'acme', firstSeenAt: { $gte: d, $lt: new Date() } }, { firstSeenAt: -1, _id: -1 }, 51),
        firstSeenByStatus: await winning('contacts', { account: 'acme', status: 'new' }, { firstSeenAt: -1, _id: -1 }, 51),
        name: await winning('contacts', { account: 'acme', 'search.name': { $gte: '0a' }, $nor: [{ 'search.name': '0a', _id: { $lte: 'ct_1' } }] }, { 'search.name': 1, _id: 1 }, 51),
        nameByStatus: await winning('contacts', { account: 'acme', status: 'new' }, { 'search.name': 1, _id: 1 }, 51),
        timeline: await winning('activities', { account: 'acme', contactId: 'ct_1' }, { occurredAt: -1, _id: -1 }, 51),
        timelineByType: await winning('activities', { account: 'acme', contactId: 'ct_1', type: 'contact.updated' }, { occurredAt: -1, _id: -1 }, 51),
      };
      for (const [query, text] of Object.entries(plans)) {
        expect([query, /"stage":"SORT"/.test(text), /COLLSCAN/.test(text)]).toEqual([query, false, false]);
      }
      // q: anchored prefixes are index bounds (no collection scan); its matches may be sorted.
      const q = await winning('contacts', { account: 'acme', 'search.terms': { $in: [/^ada/, /^1415/] } }, { lastActivityAt: -1, _id: -1 }, 51);
      expect(q).not.toMatch(/COLLSCAN/);
    } finally {
      await repos.close();
      await db.dropDatabase();
    }
  });
}

const availability = probeMongo();

if ('skipped' in availability) {
  warnMongoSkipped(availability.skipped);
  describeRepositoryContract('mongodb', () => Promise.reject(new Error('unreachable: skipped')), {
    skip: availability.skipped,
  });
  // Skip reason: no mongod could be obtained on this machine (warnMongoSkipped above says so, loudly).
  describe.skip(`${MONGO_ONLY} (skipped: ${availability.skipped})`, () =>
    mongoOnlyCases(() => {
      throw new Error('unreachable: skipped');
    }),
  );
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

  describe(MONGO_ONLY, () => mongoOnlyCases(() => ({ uri: mongo.uri, admin, runPrefix })));

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
