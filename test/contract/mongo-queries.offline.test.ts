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
    // The operator's contact list: every sort, with and without status, captured range, q and cursor.
    ['contacts.search (default sort)', () => repos.contacts.search('acme', { sort: 'lastActivityAt', limit: 5 })],
    ['contacts.search (status, cursor)', () => repos.contacts.search('acme', { sort: 'lastActivityAt', status: 'new', after: { value: at.getTime(), id: 'ct_1' }, limit: 5 })],
    ['contacts.search (captured range, cursor)', () => repos.contacts.search('acme', { sort: 'lastActivityAt', capturedFrom: at, capturedTo: new Date(), after: { value: at.getTime(), id: 'ct_1' }, limit: 5 })],
    ['contacts.search (firstSeenAt, captured range, cursor)', () => repos.contacts.search('acme', { sort: 'firstSeenAt', capturedFrom: at, capturedTo: new Date(), after: { value: at.getTime(), id: 'ct_1' }, limit: 5 })],
    ['contacts.search (status, firstSeenAt)', () => repos.contacts.search('acme', { sort: 'firstSeenAt', status: 'new', limit: 5 })],
    ['contacts.search (name, cursor)', () => repos.contacts.search('acme', { sort: 'name', after: { value: '0lovelace\u0001ada', id: 'ct_1' }, limit: 5 })],
    ['contacts.search (status, name)', () => repos.contacts.search('acme', { sort: 'name', status: 'new', limit: 5 })],
    ['contacts.search (q)', () => repos.contacts.search('acme', { sort: 'lastActivityAt', prefixes: ['ada', '1415'], limit: 5 })],
    ['contacts.search (q, status, name)', () => repos.contacts.search('acme', { sort: 'name', status: 'new', prefixes: ['a.b*(c)+?[x]$^\\|{1}'], limit: 5 })],
    ['activities.insert', () => repos.activities.insert(activity)],
    ['activities.findById', () => repos.activities.findById('acme', 'act_1')],
    ['activities.listForContact', () => repos.activities.listForContact('acme', 'ct_1', 5)],
    ['activities.count', () => repos.activities.count('acme', { outcome: 'unidentified' })],
    ['activities.count (all)', () => repos.activities.count('acme')],
    ['activities.listUnidentified', () => repos.activities.listUnidentified('acme', { since: at, until: new Date(), after: 'act_0', limit: 5 })],
    ['activities.replaceIf', () => repos.activities.replaceIf(activity, { outcome: 'pending', contactId: 'ct_1' })],
    ['activities.replaceIf (from unidentified)', () => repos.activities.replaceIf(activity, { outcome: 'unidentified', contactId: null })],
    ['activities.deleteForContact', () => repos.activities.deleteForContact('acme', 'ct_1')],
    ['activities.listTimeline', () => repos.activities.listTimeline('acme', 'ct_1', { limit: 5 })],
    ['activities.listTimeline (type, cursor)', () => repos.activities.listTimeline('acme', 'ct_1', { type: 'contact.updated', before: { occurredAt: at, id: 'act_1' }, limit: 5 })],
    ['activities.detachContact', () => repos.activities.detachContact('acme', 'ct_1')],
    ['pageViews.insert', () => repos.pageViews.insert(pageView)],
    ['pageViews.findById', () => repos.pageViews.findById('acme', 'act_2')],
    ['pageViews.listUnattached', () => repos.pageViews.listUnattached('acme', 'v1', 5)],
    ['pageViews.attach', () => repos.pageViews.attach('acme', 'act_2', 'ct_1')],
    ['pageViews.count', () => repos.pageViews.count('acme')],
    ['pageViews.detachContact', () => repos.pageViews.detachContact('acme', 'ct_1', ['v1', 'v2'])],
    ['accounts.ensure', () => repos.accounts.ensure({ id: 'acme', name: 'Acme', defaultCountry: 'US', statuses: ['new'], defaultStatus: 'new', fieldDefinitions: [{ key: 'seats', type: 'number', sourceNames: ['team_size'] }], createdAt: at })],
    ['accounts.findById', () => repos.accounts.findById('acme')],
    ['accounts.ensureApiKey', () => repos.accounts.ensureApiKey({ hash: 'a'.repeat(64), account: 'acme', label: 'bootstrap', createdAt: at })],
    ['accounts.findApiKey', () => repos.accounts.findApiKey('a'.repeat(64))],
    ['accounts.revokeApiKeys', () => repos.accounts.revokeApiKeys('acme', 'bootstrap', 'a'.repeat(64))],
    ['accounts.setWebhookSecrets', () => repos.accounts.setWebhookSecrets('acme', [{ secret: 'whsec_x', label: 'current', createdAt: at }])],
    ['accounts.findWebhookSecrets', () => repos.accounts.findWebhookSecrets('acme')],
    // GDPR erase, suppression, and the unidentified listing.
    ['activities.listIdsForContact', () => repos.activities.listIdsForContact('acme', 'ct_1')],
    ['activities.countUnidentified', () => repos.activities.countUnidentified('acme', { since: at, until: new Date() })],
    ['activities.countUnidentified (all)', () => repos.activities.countUnidentified('acme', {})],
    ['pageViews.listIdsOfVisitor', () => repos.pageViews.listIdsOfVisitor('acme', 'v1')],
    ['pageViews.deleteByIds', () => repos.pageViews.deleteByIds('acme', ['act_2', 'act_3'])],
    ['suppressions.add', () => repos.suppressions.add({ account: 'acme', hash: 'a'.repeat(64), kind: 'email', createdAt: at })],
    ['suppressions.findAny', () => repos.suppressions.findAny('acme', ['a'.repeat(64), 'b'.repeat(64)])],
    ['suppressions.count', () => repos.suppressions.count('acme')],
    // Operator API: statuses, accounts, API keys, per-provider webhook secrets.
    ['contacts.countByStatus', () => repos.contacts.countByStatus('acme', 'trial')],
    ['contacts.replaceStatus', () => repos.contacts.replaceStatus('acme', 'trial', 'new')],
    ['accounts.insert', () => repos.accounts.insert({ id: 'acme', name: 'Acme', defaultCountry: 'US', statuses: ['new'], statusLabels: { new: 'New' }, defaultStatus: 'new', fieldDefinitions: [{ key: 'site', type: 'url', archived: true }], createdAt: at })],
    ['accounts.list', () => repos.accounts.list({ limit: 5 })],
    ['accounts.list (cursor)', () => repos.accounts.list({ limit: 5, cursor: 'acme' })],
    ['accounts.updateSettings', () => repos.accounts.updateSettings('acme', 3, { name: 'Acme', statusLabels: { new: 'New' }, fieldDefinitions: [{ key: 'plan', type: 'single_choice', options: ['A'] }] })],
    ['accounts.updateSettings (first)', () => repos.accounts.updateSettings('acme', 0, { defaultCountry: 'DE' })],
    ['accounts.updateSettings (no change)', () => repos.accounts.updateSettings('acme', 1, {})],
    ['accounts.listApiKeys', () => repos.accounts.listApiKeys('acme', 101)],
    ['accounts.deleteApiKey', () => repos.accounts.deleteApiKey('acme', 'a'.repeat(64))],
    ['accounts.touchApiKey', () => repos.accounts.touchApiKey('a'.repeat(64), at)],
    ['accounts.findProviderSecret', () => repos.accounts.findProviderSecret('acme', 'chatbot')],
    ['accounts.listProviderSecrets', () => repos.accounts.listProviderSecrets('acme')],
    ['accounts.putProviderSecret', () => repos.accounts.putProviderSecret({ account: 'acme', provider: 'chatbot', secret: 's'.repeat(30), createdAt: at, rotatedAt: at, previous: { secret: 'p'.repeat(30), expiresAt: at }, version: 3 }, 2)],
    ['accounts.putProviderSecret (first)', () => repos.accounts.putProviderSecret({ account: 'acme', provider: 'chatbot', secret: 's'.repeat(30), createdAt: at, rotatedAt: at, previous: null, version: 1 }, 0)],
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

  it('contacts.search: q only as anchored, escaped literal prefixes; the cursor as a range on the sort key minus the ties shown', async () => {
    const seen: { filter: Record<string, unknown>; sort: unknown; limit: unknown }[] = [];
    const exec = jest.spyOn(mongoose.Query.prototype, 'exec').mockImplementation(async function (this: mongoose.Query<unknown, unknown>) {
      const options = this.getOptions();
      seen.push({ filter: this.getFilter(), sort: options.sort, limit: options.limit });
      return [];
    });
    try {
      await repos.contacts.search('acme', { sort: 'name', status: 'new', prefixes: ['a.b*(c)', '1415'], after: { value: '0x\u0001y', id: 'ct_9' }, limit: 10 });
      await repos.contacts.search('acme', { sort: 'lastActivityAt', after: { value: at.getTime(), id: 'ct_9' }, limit: 10 });
    } finally {
      exec.mockRestore();
    }
    const [byName, byRecent] = seen;
    const terms = (byName!.filter['search.terms'] as { $in: RegExp[] }).$in;
    expect(terms.map((r) => r.source)).toEqual(['^a\\.b\\*\\(c\\)', '^1415']);
    expect(terms.every((r) => r.flags === '')).toBe(true);
    expect('x.y'.match(terms[0]!)).toBeNull();
    expect('a.b*(c)d').toMatch(terms[0]!);
    expect(byName).toMatchObject({ sort: { 'search.name': 1, _id: 1 }, limit: 11 });
    expect(byName!.filter).toMatchObject({ account: 'acme', status: 'new', 'search.name': { $gte: '0x\u0001y' } });
    expect(byName!.filter.$nor).toMatchObject([{ 'search.name': '0x\u0001y', _id: { $lte: 'ct_9' } }]);
    expect(byRecent).toMatchObject({ sort: { lastActivityAt: -1, _id: -1 }, filter: { account: 'acme', lastActivityAt: { $lte: at } } });
    expect(byRecent!.filter.$nor).toMatchObject([{ lastActivityAt: at, _id: { $gte: 'ct_9' } }]);
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
      if (prefix === 0) {
        // No equality at all (a list over the whole collection): served only by walking the index in
        // the sort's order, with at most a range on that same leading key (the cursor).
        const sort = Object.entries(q.sort ?? {});
        const rangeOnLead = Object.keys(q.filter).every((f) => f === keys[0]![0]);
        const walks = sort.length > 0 && sort.every(([f], i) => keys[i]?.[0] === f);
        const dir = walks && (sort.every(([, d], i) => d === keys[i]![1]) || sort.every(([, d], i) => d === -keys[i]![1]));
        return rangeOnLead && dir ? null : 'no equality on its first key';
      }
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
        'activities.listIdsForContact', 'activities.countUnidentified', 'activities.countUnidentified (all)', 'pageViews.listIdsOfVisitor',
        'pageViews.deleteByIds', 'suppressions.add', 'suppressions.findAny', 'suppressions.count',
        'contacts.search (default sort)', 'contacts.search (status, cursor)', 'contacts.search (captured range, cursor)',
        'contacts.search (firstSeenAt, captured range, cursor)', 'contacts.search (status, firstSeenAt)', 'contacts.search (name, cursor)',
        'contacts.search (status, name)', 'contacts.search (q)', 'contacts.search (q, status, name)',
        'activities.listTimeline', 'activities.listTimeline (type, cursor)', 'activities.detachContact', 'pageViews.detachContact',
        'contacts.countByStatus', 'contacts.replaceStatus', 'accounts.list', 'accounts.list (cursor)', 'accounts.updateSettings',
        'accounts.updateSettings (first)', 'accounts.listApiKeys', 'accounts.deleteApiKey', 'accounts.touchApiKey',
        'accounts.findProviderSecret', 'accounts.listProviderSecrets', 'accounts.putProviderSecret',
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
      // Without equality: only a walk of the index in sort order, a range on its leading key allowed.
      const byId: IndexSpec = { key: { _id: 1 }, name: '_id_', unique: true };
      expect(whyNot(q({ _id: { $gt: 'a' } }, { _id: 1 }), byId)).toBeNull();
      expect(whyNot(q({}, { _id: -1 }), byId)).toBeNull();
      expect(whyNot(q({}), byId)).toMatch(/no equality/);
      expect(whyNot(q({ name: { $gt: 'a' } }, { _id: 1 }), byId)).toMatch(/no equality/);
    });
  });

  it('the probe itself can fail: an operator the sanitizer wraps is a CastError', async () => {
    const model = connection.models.Activity!;
    const err = await model.find({ account: 'acme', receivedAt: { $gte: at } }).exec().catch((e: Error) => e);
    expect((err as Error).name).toBe('CastError');
  });
});
