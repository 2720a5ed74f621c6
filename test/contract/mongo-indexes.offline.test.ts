import { declaredIndexes, ensureIndexes, OBSOLETE_INDEXES, type IndexCollection, type IndexSpec } from '../../src/models';

/**
 * The indexes that reach the driver, and the start-up migration that replaces changed ones, without
 * a server: every spec and name is pinned here (a change is deliberate, and needs a new name plus an
 * OBSOLETE_INDEXES entry, see docs/storage.md "Upgrading indexes"), and ensureIndexes runs against
 * a fake of the driver's collection API. mongo.contract.test.ts runs the migration on a mongod.
 */
describe('MongoDB indexes (no server needed)', () => {
  it('declares exactly these indexes, by name', () => {
    const all = Object.fromEntries(declaredIndexes().map(({ collection, indexes }) => [collection, indexes]));
    expect(all).toEqual({
      contacts: [
        { name: 'contacts_account_email_unique', key: { account: 1, email: 1 }, unique: true, partialFilterExpression: { email: { $type: 'string' } } },
        { name: 'contacts_account_phoneOnly_unique', key: { account: 1, phoneOnly: 1 }, unique: true, partialFilterExpression: { phoneOnly: { $type: 'string' } } },
        { name: 'contacts_account_phone_phoneOnly_lastActivityAt', key: { account: 1, phone: 1, phoneOnly: -1, lastActivityAt: -1, _id: 1 } },
        { name: 'contacts_account_phone_id', key: { account: 1, phone: 1, _id: 1 } },
        { name: 'contacts_account_id', key: { account: 1, _id: 1 } },
        { name: 'contacts_account_visitorIds_lastActivityAt_id', key: { account: 1, visitorIds: 1, lastActivityAt: -1, _id: 1 } },
        // The operator's contact list: each sort, with and without a status filter; q's prefixes.
        { name: 'contacts_account_lastActivityAt_id', key: { account: 1, lastActivityAt: -1, _id: -1 } },
        { name: 'contacts_account_status_lastActivityAt_id', key: { account: 1, status: 1, lastActivityAt: -1, _id: -1 } },
        { name: 'contacts_account_firstSeenAt_id', key: { account: 1, firstSeenAt: -1, _id: -1 } },
        { name: 'contacts_account_status_firstSeenAt_id', key: { account: 1, status: 1, firstSeenAt: -1, _id: -1 } },
        { name: 'contacts_account_searchName_id', key: { account: 1, 'search.name': 1, _id: 1 } },
        { name: 'contacts_account_status_searchName_id', key: { account: 1, status: 1, 'search.name': 1, _id: 1 } },
        { name: 'contacts_account_searchTerms', key: { account: 1, 'search.terms': 1 } },
      ],
      activities: [
        { name: 'activities_account_contact_occurredAt', key: { account: 1, contactId: 1, occurredAt: -1, _id: -1 } },
        { name: 'activities_account_outcome_id', key: { account: 1, outcome: 1, _id: 1 } },
        { name: 'activities_account_contact_type_occurredAt_id', key: { account: 1, contactId: 1, type: 1, occurredAt: -1, _id: -1 } },
      ],
      page_views: [{ name: 'page_views_account_visitorId_contactId_viewedAt_id', key: { account: 1, visitorId: 1, contactId: 1, viewedAt: -1, _id: -1 } }],
      accounts: [],
      apikeys: [{ name: 'apikeys_account_label', key: { account: 1, label: 1 } }],
      webhooksecrets: [],
      // GDPR erase with suppression: one hash per (account, hash); the worker's look-up by its prefix.
      suppressions: [{ name: 'suppressions_account_hash_unique', key: { account: 1, hash: 1 }, unique: true }],
      // A provider's signing secrets per account (the webhook intake's cache fill lists one account's).
      providersecrets: [{ name: 'providersecrets_account_provider', key: { account: 1, provider: 1 } }],
    });
    // Key order is part of an index: pin it, not just the set of keys.
    const contacts = declaredIndexes().find((c) => c.collection === 'contacts')!.indexes;
    expect(contacts.map((i) => Object.keys(i.key).join(','))).toEqual([
      'account,email',
      'account,phoneOnly',
      'account,phone,phoneOnly,lastActivityAt,_id',
      'account,phone,_id',
      'account,_id',
      'account,visitorIds,lastActivityAt,_id',
      'account,lastActivityAt,_id',
      'account,status,lastActivityAt,_id',
      'account,firstSeenAt,_id',
      'account,status,firstSeenAt,_id',
      'account,search.name,_id',
      'account,status,search.name,_id',
      'account,search.terms',
    ]);
  });

  it('lists as obsolete only names no declared index uses, each with a declared replacement of other keys', () => {
    const declared = new Map(declaredIndexes().map((c) => [c.collection, c.indexes]));
    expect(OBSOLETE_INDEXES.map((o) => `${o.collection}.${o.name}`)).toEqual([
      'contacts.contacts_account_phone_lastActivityAt',
      'contacts.contacts_account_visitorIds_lastActivityAt',
      'activities.activities_account_outcome',
      'apikeys.apikeys_account',
      'page_views.page_views_account_visitorId_contactId_viewedAt',
    ]);
    for (const o of OBSOLETE_INDEXES) {
      const indexes = declared.get(o.collection)!;
      expect(o.name).not.toBe('_id_');
      expect(indexes.map((i) => i.name)).not.toContain(o.name);
      const replacement = indexes.find((i) => i.name === o.replacedBy);
      expect(replacement).toBeDefined();
      // Same keys under another name would make createIndexes fail (IndexOptionsConflict, code 85).
      expect(indexes.map((i) => JSON.stringify(i.key))).not.toContain(JSON.stringify(o.key));
    }
  });

  describe('ensureIndexes: create the declared indexes first, then drop the listed obsolete ones', () => {
    type Step = string;
    function fakeDb(existing: Record<string, string[]>, opts: { failCreate?: string; dropError?: Record<string, unknown> } = {}) {
      const steps: Step[] = [];
      const indexes = new Map(Object.entries(existing).map(([c, names]) => [c, new Set(['_id_', ...names])]));
      const collection = (name: string): IndexCollection => ({
        async createIndexes(specs: IndexSpec[]) {
          steps.push(`create ${name}: ${specs.map((s) => s.name).join(',')}`);
          if (opts.failCreate === name) throw Object.assign(new Error('Index already exists with a different name'), { code: 85 });
          const set = indexes.get(name) ?? new Set(['_id_']);
          for (const s of specs) set.add(s.name);
          indexes.set(name, set);
        },
        listIndexes: () => ({
          toArray: async () => {
            steps.push(`list ${name}`);
            return [...(indexes.get(name) ?? [])].map((n) => ({ name: n }));
          },
        }),
        async dropIndex(index: string) {
          steps.push(`drop ${name}.${index}`);
          const error = opts.dropError?.[index];
          if (error) throw error;
          indexes.get(name)?.delete(index);
        },
      });
      return { db: { collection }, steps, indexes };
    }
    const logger = () => {
      const lines: [Record<string, unknown>, string][] = [];
      return { lines, info: (fields: Record<string, unknown>, message: string) => lines.push([fields, message]) };
    };

    it('drops each obsolete index that exists, after every create, with one log line each; nothing else', async () => {
      const { db, steps, indexes } = fakeDb({
        contacts: ['contacts_account_phone_lastActivityAt', 'contacts_account_email_unique', 'an_operators_own_index'],
        activities: ['activities_account_outcome'],
        page_views: ['a_newer_versions_index'],
      });
      const log = logger();
      const result = await ensureIndexes(db, log);

      expect(result.dropped).toEqual(['contacts.contacts_account_phone_lastActivityAt', 'activities.activities_account_outcome']);
      const firstDrop = steps.findIndex((s) => s.startsWith('drop '));
      const lastCreate = steps.map((s) => s.startsWith('create ')).lastIndexOf(true);
      expect(lastCreate).toBeLessThan(firstDrop);
      expect(steps.filter((s) => s.startsWith('drop '))).toEqual([
        'drop contacts.contacts_account_phone_lastActivityAt',
        'drop activities.activities_account_outcome',
      ]);
      expect(log.lines).toEqual([
        [{ collection: 'contacts', index: 'contacts_account_phone_lastActivityAt', replacedBy: 'contacts_account_phone_phoneOnly_lastActivityAt' }, 'dropped obsolete MongoDB index'],
        [{ collection: 'activities', index: 'activities_account_outcome', replacedBy: 'activities_account_outcome_id' }, 'dropped obsolete MongoDB index'],
      ]);
      // Indexes this version does not know stay (an operator's, a newer version's in a rolling deploy).
      expect(indexes.get('contacts')).toContain('an_operators_own_index');
      expect(indexes.get('page_views')).toContain('a_newer_versions_index');
      expect(indexes.get('contacts')).toContain('contacts_account_visitorIds_lastActivityAt_id');
      // Collections without declared indexes are left alone.
      expect(steps.some((s) => s.includes('accounts') || s.includes('webhooksecrets'))).toBe(false);
    });

    it('is idempotent: a second start finds nothing to drop and logs nothing', async () => {
      const { db } = fakeDb({ activities: ['activities_account_outcome'] });
      await ensureIndexes(db);
      const log = logger();
      expect(await ensureIndexes(db, log)).toEqual({ dropped: [] });
      expect(log.lines).toEqual([]);
    });

    it('tolerates another process dropping the same index first (IndexNotFound), and fails on anything else', async () => {
      const raced = fakeDb(
        { apikeys: ['apikeys_account'] },
        { dropError: { apikeys_account: Object.assign(new Error('index not found with name [apikeys_account]'), { code: 27 }) } },
      );
      const log = logger();
      expect(await ensureIndexes(raced.db, log)).toEqual({ dropped: [] });
      expect(log.lines).toEqual([]);

      const denied = fakeDb({ apikeys: ['apikeys_account'] }, { dropError: { apikeys_account: Object.assign(new Error('not authorized'), { code: 13 }) } });
      await expect(ensureIndexes(denied.db)).rejects.toThrow('not authorized');
    });

    it('drops nothing when creating an index fails (the start fails loudly instead)', async () => {
      const { db, steps } = fakeDb({ contacts: ['contacts_account_phone_lastActivityAt'] }, { failCreate: 'contacts' });
      await expect(ensureIndexes(db)).rejects.toThrow('Index already exists with a different name');
      expect(steps.filter((s) => s.startsWith('drop ') || s.startsWith('list '))).toEqual([]);
    });
  });
});
