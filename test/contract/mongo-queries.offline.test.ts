import mongoose from 'mongoose';
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
    ['contacts.delete', () => repos.contacts.delete('acme', 'ct_1')],
    ['contacts.count', () => repos.contacts.count('acme')],
    ['activities.insert', () => repos.activities.insert(activity)],
    ['activities.findById', () => repos.activities.findById('acme', 'act_1')],
    ['activities.listForContact', () => repos.activities.listForContact('acme', 'ct_1', 5)],
    ['activities.count', () => repos.activities.count('acme', { outcome: 'unidentified' })],
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

  it('the probe itself can fail: an operator the sanitizer wraps is a CastError', async () => {
    const model = connection.models.Activity!;
    const err = await model.find({ account: 'acme', receivedAt: { $gte: at } }).exec().catch((e: Error) => e);
    expect((err as Error).name).toBe('CastError');
  });
});
