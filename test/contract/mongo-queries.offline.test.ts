import mongoose from 'mongoose';
import { declaredIndexes, type IndexSpec } from '../../src/models';
import type { ActivityRecord, ContactRecord, PageViewRecord } from '../../src/repositories';
import { mongoRepositoriesOver } from '../../src/repositories/mongo';

/**
 * No mongod runs here, but mongoose casts every filter and update against the schemas before it
 * would send anything. So each repository call is made on a connection that never opens: a call
 * whose query is well-formed ends in "buffering timed out", while a query that the schemas or the
 * connection's sanitizeFilter reject fails with a CastError / StrictModeError first. This caught an
 * unwrapped `$gte` that sanitizeFilter turned into a cast failure.
 */
const BUFFER_MS = 20;

describe('every MongoDB repository query casts against the schemas (no server needed)', () => {
  const previous = mongoose.get('bufferTimeoutMS');
  const connection = mongoose.createConnection();
  connection.set('sanitizeFilter', true); // as createMongoRepositories opens it
  const repos = mongoRepositoriesOver(connection);

  beforeAll(() => mongoose.set('bufferTimeoutMS', BUFFER_MS));
  afterAll(async () => {
    mongoose.set('bufferTimeoutMS', previous);
    await connection.close();
  });

  const at = new Date('2026-01-01T00:00:00Z');
  const state = {
    email: 'ada@example.com',
    phone: '+14155552671',
    fields: { plan: { value: 'pro', source: 'api', setAt: at, activityId: 'act_1' } },
    recentActivities: [{ activityId: 'act_1', type: 't', source: 'api', occurredAt: at }],
    recentPageViews: [{ pageViewId: 'act_2', url: 'https://example.com/', title: null, viewedAt: at }],
    visitorIds: ['v1'],
    firstSeenAt: at,
    lastActivityAt: at,
  } satisfies Partial<ContactRecord>;
  const activity: ActivityRecord = {
    id: 'act_1', account: 'acme', type: 't', source: 'api', occurredAt: at, receivedAt: at, processedAt: at,
    email: 'ada@example.com', phone: null, phoneExtension: null, visitorId: null, externalId: null,
    fields: { 'a.b': 1, $x: 'y' }, outcome: 'pending', contactId: 'ct_1',
    claim: { contactId: 'ct_1', create: true, setEmail: 'ada@example.com', setPhone: null, warnings: [] },
    warnings: [], provider: 'chatbot', payload: { $where: 'x', 'a.b': [1] },
  };
  const pageView: PageViewRecord = {
    id: 'act_2', account: 'acme', visitorId: 'v1', url: 'https://example.com/', title: 'Home', referrer: '',
    viewedAt: at, receivedAt: at, contactId: null,
  };

  const calls: [string, () => Promise<unknown>][] = [
    ['contacts.findById', () => repos.contacts.findById('acme', 'ct_1')],
    ['contacts.findByEmail', () => repos.contacts.findByEmail('acme', 'ada@example.com')],
    ['contacts.findByPhone', () => repos.contacts.findByPhone('acme', '+14155552671', 5)],
    ['contacts.findByVisitorId', () => repos.contacts.findByVisitorId('acme', 'v1')],
    ['contacts.create', () => repos.contacts.create({ id: 'ct_1', account: 'acme', status: 'new', state })],
    ['contacts.update (with email)', () => repos.contacts.update('acme', 'ct_1', 3, state)],
    ['contacts.update (phone only)', () => repos.contacts.update('acme', 'ct_1', 3, { ...state, email: null })],
    ['contacts.list', () => repos.contacts.list('acme', { email: 'ada@example.com', phone: '+14155552671', limit: 5, cursor: 'ct_0' })],
    ['contacts.list (phone)', () => repos.contacts.list('acme', { phone: '+14155552671', limit: 5, cursor: 'ct_0' })],
    ['contacts.list (no filter)', () => repos.contacts.list('acme', { limit: 5 })],
    ['contacts.delete', () => repos.contacts.delete('acme', 'ct_1')],
    ['contacts.count', () => repos.contacts.count('acme')],
    ['activities.insert', () => repos.activities.insert(activity)],
    ['activities.findById', () => repos.activities.findById('acme', 'act_1')],
    ['activities.listForContact', () => repos.activities.listForContact('acme', 'ct_1', 5)],
    ['activities.count', () => repos.activities.count('acme', { outcome: 'unidentified' })],
    ['activities.count (all)', () => repos.activities.count('acme')],
    ['activities.listUnidentified', () => repos.activities.listUnidentified('acme', { since: at, until: new Date(), after: 'act_0', limit: 5 })],
    ['activities.replaceIf', () => repos.activities.replaceIf(activity, { outcome: 'pending', contactId: 'ct_1' })],
    ['activities.replaceIf (from unidentified)', () => repos.activities.replaceIf(activity, { outcome: 'unidentified', contactId: null })],
    ['activities.deleteForContact', () => repos.activities.deleteForContact('acme', 'ct_1')],
    ['pageViews.insert', () => repos.pageViews.insert(pageView)],
    ['pageViews.findById', () => repos.pageViews.findById('acme', 'act_2')],
    ['pageViews.listUnattached', () => repos.pageViews.listUnattached('acme', 'v1', 5)],
    ['pageViews.attach', () => repos.pageViews.attach('acme', 'act_2', 'ct_1')],
    ['pageViews.count', () => repos.pageViews.count('acme')],
    ['accounts.ensure', () => repos.accounts.ensure({ id: 'acme', name: 'Acme', defaultCountry: 'US', statuses: ['new'], defaultStatus: 'new', fieldDefinitions: [{ key: 'seats', type: 'number', sourceNames: ['team_size'] }], createdAt: at })],
    ['accounts.findById', () => repos.accounts.findById('acme')],
    ['accounts.ensureApiKey', () => repos.accounts.ensureApiKey({ hash: 'a'.repeat(64), account: 'acme', label: 'bootstrap', createdAt: at })],
    ['accounts.findApiKey', () => repos.accounts.findApiKey('a'.repeat(64))],
    ['accounts.revokeApiKeys', () => repos.accounts.revokeApiKeys('acme', 'bootstrap', 'a'.repeat(64))],
    ['accounts.setWebhookSecrets', () => repos.accounts.setWebhookSecrets('acme', [{ secret: 'whsec_x', label: 'current', createdAt: at }])],
    ['accounts.findWebhookSecrets', () => repos.accounts.findWebhookSecrets('acme')],
  ];

  it('covers every method of every MongoDB repository', () => {
    const methods = Object.entries(repos).flatMap(([repo, impl]) =>
      Object.getOwnPropertyNames(Object.getPrototypeOf(impl)).filter((m) => m !== 'constructor').map((m) => `${repo}.${m}`),
    );
    const named = new Set(calls.map(([name]) => name.split(' ')[0]));
    expect(methods.filter((m) => !named.has(m))).toEqual([]);
  });

  it.each(calls)('%s', async (_name, call) => {
    const err = await call().then(
      () => new Error('resolved without a server?'),
      (e: Error) => e,
    );
    expect(`${err.name}: ${err.message}`).toMatch(/buffering timed out/);
  });

  it('findByPhone asks for the email-less holder first, then the most recently active (ties: smaller _id)', async () => {
    const seen: { filter: unknown; sort: unknown; limit: unknown }[] = [];
    const exec = jest.spyOn(mongoose.Query.prototype, 'exec').mockImplementation(async function (this: mongoose.Query<unknown, unknown>) {
      const options = this.getOptions();
      seen.push({ filter: this.getFilter(), sort: options.sort, limit: options.limit });
      return [];
    });
    try {
      await repos.contacts.findByPhone('acme', '+14155552671', 20);
    } finally {
      exec.mockRestore();
    }
    // One query, whose sort is the index's key order after the (account, phone) equality.
    expect(seen).toEqual([{ filter: { account: 'acme', phone: '+14155552671' }, sort: { phoneOnly: -1, lastActivityAt: -1, _id: 1 }, limit: 20 }]);
  });

  describe('every query is served by a declared index (equality prefix, then the sort, from the index)', () => {
    type Sort = Record<string, 1 | -1>;
    interface Captured {
      call: string;
      collection: string;
      op: string;
      filter: Record<string, unknown>;
      sort: Sort | undefined;
    }
    const captured: Captured[] = [];

    beforeAll(async () => {
      // Each query is answered by this stub instead of a server: "nothing matched", so every
      // follow-up query of a call (attach's re-read, update's conflict path) runs too.
      let current = '';
      const exec = jest.spyOn(mongoose.Query.prototype, 'exec').mockImplementation(async function (this: mongoose.Query<unknown, unknown>) {
        const sort = this.getOptions().sort as Sort | undefined;
        const op = (this as unknown as { op: string }).op;
        captured.push({ call: current, collection: this.model.collection.collectionName, op, filter: { ...this.getFilter() }, sort });
        switch (op) {
          case 'find':
            return [];
          case 'countDocuments':
            return 0;
          case 'updateOne':
          case 'updateMany':
          case 'replaceOne':
            return { acknowledged: true, matchedCount: 0, modifiedCount: 0, upsertedCount: 0 };
          case 'deleteOne':
          case 'deleteMany':
            return { acknowledged: true, deletedCount: 0 };
          default:
            return null;
        }
      });
      try {
        for (const [name, call] of calls) {
          current = name;
          await call().catch(() => undefined); // inserts (no query) end in "buffering timed out"
        }
      } finally {
        exec.mockRestore();
      }
    });

    const indexesOf = new Map(declaredIndexes().map((c) => [c.collection, c.indexes]));
    const ID_INDEX: IndexSpec = { key: { _id: 1 }, name: '_id_', unique: true };

    const isEquality = (v: unknown) =>
      v === null || typeof v !== 'object' || v instanceof Date || Object.prototype.hasOwnProperty.call(v, '$eq');

    /** Why `index` cannot serve `q`, or null when it serves it. */
    function whyNot(q: Captured, index: IndexSpec): string | null {
      const equality = new Set(Object.entries(q.filter).filter(([, v]) => isEquality(v)).map(([k]) => k));
      // A partial index is eligible only when the query repeats its filter expression.
      for (const [field, expr] of Object.entries(index.partialFilterExpression ?? {})) {
        const type = (expr as { $type?: string }).$type;
        if ((q.filter[field] as { $type?: string } | undefined)?.$type !== type) return `does not repeat the partial filter on ${field}`;
      }
      const keys = Object.entries(index.key);
      let prefix = 0;
      while (prefix < keys.length && equality.has(keys[prefix]![0])) prefix++;
      if (prefix === 0) return 'no equality on its first key';
      // A unique index with every key fixed: at most one document, no sort to serve.
      if (index.unique && prefix === keys.length) return null;
      const outside = [...equality].filter((f) => !keys.slice(0, prefix).some(([k]) => k === f));
      if (outside.length) return `equality on ${outside.join(', ')} is not in its key prefix`;
      const sort = Object.entries(q.sort ?? {});
      const rest = keys.slice(prefix, prefix + sort.length);
      if (sort.length > rest.length || sort.some(([f], i) => rest[i]![0] !== f)) return 'the sort keys do not follow the equality prefix';
      const same = sort.every(([, d], i) => d === rest[i]![1]);
      const reversed = sort.every(([, d], i) => d === -rest[i]![1]);
      return same || reversed ? null : 'the sort directions match neither the index nor its reverse';
    }

    it('captured a query for every repository method that queries', () => {
      const calls = new Set(captured.map((q) => q.call));
      for (const name of [
        'contacts.findById', 'contacts.findByEmail', 'contacts.findByPhone', 'contacts.findByVisitorId', 'contacts.update (with email)',
        'contacts.list', 'contacts.list (phone)', 'contacts.list (no filter)', 'contacts.delete', 'contacts.count',
        'activities.findById', 'activities.listForContact', 'activities.count', 'activities.count (all)', 'activities.listUnidentified',
        'activities.replaceIf', 'activities.deleteForContact', 'pageViews.findById', 'pageViews.listUnattached', 'pageViews.attach',
        'pageViews.count', 'accounts.ensure', 'accounts.findById', 'accounts.ensureApiKey', 'accounts.revokeApiKeys',
        'accounts.findApiKey', 'accounts.setWebhookSecrets', 'accounts.findWebhookSecrets',
      ]) {
        expect(calls).toContain(name);
      }
      // attach's compare-and-set missed, so its re-read ran as well.
      expect(captured.filter((q) => q.call === 'pageViews.attach').map((q) => q.op)).toEqual(['updateOne', 'findOne']);
    });

    it('each query: its equality keys are a declared index’s prefix and its sort follows in that index', () => {
      const unserved: string[] = [];
      for (const q of captured) {
        const candidates = [ID_INDEX, ...(indexesOf.get(q.collection) ?? [])];
        const reasons = candidates.map((index) => [index.name, whyNot(q, index)] as const);
        if (!reasons.some(([, r]) => r === null)) {
          unserved.push(`${q.call}: ${q.op} ${JSON.stringify(q.filter)} sort ${JSON.stringify(q.sort ?? {})}: ${reasons.map(([n, r]) => `${n} ${r}`).join('; ')}`);
        }
      }
      expect(unserved).toEqual([]);
    });

    it('the check itself refuses a sort the index cannot give and an equality outside the prefix', () => {
      const q = (filter: Record<string, unknown>, sort?: Sort): Captured => ({ call: 'x', collection: 'activities', op: 'find', filter, sort });
      const index: IndexSpec = { key: { account: 1, outcome: 1, _id: 1 }, name: 'i' };
      expect(whyNot(q({ account: 'a', outcome: 'unidentified' }, { _id: 1 }), index)).toBeNull();
      expect(whyNot(q({ account: 'a', outcome: 'unidentified' }, { _id: -1 }), index)).toBeNull();
      expect(whyNot(q({ account: 'a' }, { _id: 1 }), index)).toMatch(/sort keys do not follow/);
      expect(whyNot(q({ account: 'a', outcome: 'x', type: 't' }), index)).toMatch(/type is not in its key prefix/);
      const mixed: IndexSpec = { key: { account: 1, viewedAt: -1, _id: -1 }, name: 'm' };
      expect(whyNot(q({ account: 'a' }, { viewedAt: -1, _id: 1 }), mixed)).toMatch(/directions/);
      const partial: IndexSpec = { key: { account: 1, email: 1 }, name: 'p', unique: true, partialFilterExpression: { email: { $type: 'string' } } };
      expect(whyNot(q({ account: 'a', email: 'e' }), partial)).toMatch(/partial filter/);
      expect(whyNot(q({ account: 'a', email: { $eq: 'e', $type: 'string' } }, { _id: 1 }), partial)).toBeNull();
    });
  });

  it('the probe itself can fail: an operator the sanitizer wraps is a CastError', async () => {
    const model = connection.models.Activity!;
    const err = await model.find({ account: 'acme', receivedAt: { $gte: at } }).exec().catch((e: Error) => e);
    expect((err as Error).name).toBe('CastError');
  });
});
