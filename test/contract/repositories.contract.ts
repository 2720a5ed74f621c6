import { LIMITS } from '../../src/domain/limits';
import type { CapturedField, ContactState } from '../../src/domain/types';
import type { ActivityRecord, ContactRecord, PageViewRecord, Repositories } from '../../src/repositories';
import type { Account, ApiKeyRecord, ProviderSecretRecord } from '../../src/repositories';
import type { ContactSearchQuery } from '../../src/repositories';
import { searchPrefixes } from '../../src/domain/contact-search';
import { DuplicateIdentifierError, VersionConflictError } from '../../src/shared/errors';

/**
 * One behavioural contract for every storage implementation (in-memory and MongoDB). The memory
 * implementation is the reference semantics; anything both must do is asserted here, nowhere else.
 */
export type RepositoryFactory = () => Promise<{ repos: Repositories; cleanup(): Promise<void> }>;

const A = 'acct_a';
const B = 'acct_b';
const T0 = new Date('2024-01-01T00:00:00.000Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

let seq = 0;
/** Ids sort in creation order within a test, like newId(). */
const nextId = (prefix: string) => `${prefix}_${String(++seq).padStart(6, '0')}`;

function field(value: CapturedField['value'], minutes = 0): CapturedField {
  return { value, source: 'calendly', setAt: at(minutes), activityId: 'act_seed' };
}

function state(over: Partial<ContactState> = {}): ContactState {
  return {
    email: null,
    phone: null,
    fields: { firstName: field('Ada'), employees: field(42), vip: field(false) },
    recentActivities: [{ activityId: 'act_seed', type: 'meeting_booked', source: 'calendly', occurredAt: at(0) }],
    recentPageViews: [{ pageViewId: 'act_pv_seed', url: 'https://example.com/pricing', title: null, viewedAt: at(0) }],
    visitorIds: ['v_1'],
    firstSeenAt: at(0),
    lastActivityAt: at(0),
    ...over,
  };
}

function activity(over: Partial<ActivityRecord> = {}): ActivityRecord {
  return {
    id: nextId('act'),
    account: A,
    type: 'meeting_booked',
    source: 'calendly',
    occurredAt: at(0),
    receivedAt: at(1),
    processedAt: at(2),
    email: 'ada@example.com',
    phone: null,
    phoneExtension: null,
    visitorId: null,
    externalId: null,
    fields: { firstName: 'Ada', employees: 42, vip: true, nothing: null },
    outcome: 'processed',
    contactId: null,
    claim: null,
    warnings: [],
    provider: null,
    payload: { event: 'invitee.created', nested: { list: [1, 'two', null, { three: 3 }] } },
    ...over,
  };
}

function pageView(over: Partial<PageViewRecord> = {}): PageViewRecord {
  return {
    id: nextId('act'),
    account: A,
    visitorId: 'v_1',
    url: 'https://example.com/pricing?plan=pro',
    title: 'Pricing',
    referrer: '',
    viewedAt: at(0),
    receivedAt: at(1),
    contactId: null,
    ...over,
  };
}

/** Operator injection must never match: the store either finds nothing or rejects the call. */
async function expectNoMatch<T>(attempt: () => Promise<T>, nothing: T): Promise<void> {
  let result: T;
  try {
    result = await attempt();
  } catch (err) {
    expect(err).toBeInstanceOf(Error);
    return;
  }
  expect(result).toEqual(nothing);
}

const injection = { $ne: null } as unknown as string;

/**
 * `options.skip`: the reason this implementation cannot run here; every case is then reported as
 * skipped (never as passed) so the summary shows how much went unchecked.
 */
export function describeRepositoryContract(name: string, factory: RepositoryFactory, options: { skip?: string } = {}): void {
  (options.skip ? describe.skip : describe)(`repository contract: ${name}`, () => {
    let repos: Repositories;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ repos, cleanup } = await factory());
    });

    afterEach(async () => {
      await cleanup();
    });

    const createContact = (account: string, s: Partial<ContactState>, id = nextId('c')) =>
      repos.contacts.create({ id, account, status: 'new', state: state(s) });

    describe('contacts', () => {
      it('creates a contact and finds it by id, email and phone', async () => {
        const created = await createContact(A, { email: 'ada@example.com', phone: '+14155550100' });
        expect(created).toMatchObject({ account: A, status: 'new', version: 1, email: 'ada@example.com', phone: '+14155550100' });
        // Not toBeInstanceOf(Date): structuredClone makes Dates of Node's realm, not jest's.
        expect(Object.prototype.toString.call(created.createdAt)).toBe('[object Date]');
        expect(Object.prototype.toString.call(created.updatedAt)).toBe('[object Date]');
        expect(created.fields).toEqual(state().fields);
        expect(created.recentActivities).toEqual(state().recentActivities);
        expect(created.firstSeenAt).toEqual(at(0));
        expect(created).not.toHaveProperty('_id');
        expect(created).not.toHaveProperty('__v');
        expect(created).not.toHaveProperty('phoneOnly');

        expect(await repos.contacts.findById(A, created.id)).toEqual(created);
        expect(await repos.contacts.findByEmail(A, 'ada@example.com')).toEqual(created);
        expect(await repos.contacts.findByPhone(A, '+14155550100', 10)).toEqual([created]);
        expect(await repos.contacts.findById(A, 'c_missing')).toBeNull();
        expect(await repos.contacts.findByEmail(A, 'nobody@example.com')).toBeNull();
        expect(await repos.contacts.findByPhone(A, '+14155550199', 10)).toEqual([]);
        expect(await repos.contacts.count(A)).toBe(1);
      });

      it('stores and updates the largest contact the limits allow (docs/storage.md, "Limits")', async () => {
        // Multi-byte characters: the worst case for a document's size in UTF-8.
        const big = (i: number) => `${i}`.padEnd(LIMITS.fieldValueLength, 'é');
        const fields = Object.fromEntries(Array.from({ length: LIMITS.fieldsPerContact }, (_, i) => [`custom_field_${i}`, field(big(i))]));
        const visitorIds = Array.from({ length: LIMITS.visitorIdsPerContact }, (_, i) => `v_${i}`.padEnd(200, 'x'));
        const created = await createContact(A, { email: 'largest@example.com', fields, visitorIds });
        expect(await repos.contacts.findById(A, created.id)).toEqual(created);
        const updated = await repos.contacts.update(A, created.id, created.version, state({ email: 'largest@example.com', fields: { ...fields, custom_field_0: field('small') }, visitorIds }));
        expect((await repos.contacts.findById(A, created.id))!.fields.custom_field_0).toEqual(field('small'));
        expect(updated.version).toBe(2);
      });

      it('keeps field keys that are not valid document field names', async () => {
        const odd: Record<string, CapturedField> = { 'a.b': field('dot'), $set: field(1), '': field(true), 'x y': field('space') };
        const created = await createContact(A, { email: 'odd@example.com', fields: odd });
        expect(created.fields).toEqual(odd);
        expect((await repos.contacts.findById(A, created.id))!.fields).toEqual(odd);
      });

      it('isolates tenants: the same email in two accounts, and no cross-account reads or writes', async () => {
        const a = await createContact(A, { email: 'same@example.com', phone: '+14155550100' });
        const b = await createContact(B, { email: 'same@example.com', phone: '+14155550100' });
        expect(a.id).not.toBe(b.id);

        expect(await repos.contacts.findById(B, a.id)).toBeNull();
        expect((await repos.contacts.findByEmail(B, 'same@example.com'))!.id).toBe(b.id);
        expect((await repos.contacts.findByPhone(B, '+14155550100', 10)).map((c) => c.id)).toEqual([b.id]);
        expect((await repos.contacts.list(B, { limit: 10 })).data.map((c) => c.id)).toEqual([b.id]);
        expect(await repos.contacts.count(B)).toBe(1);

        await expect(repos.contacts.update(B, a.id, a.version, state({ email: 'x@example.com' }))).rejects.toBeInstanceOf(
          VersionConflictError,
        );
        expect(await repos.contacts.delete(B, a.id)).toBe(false);
        expect(await repos.contacts.findById(A, a.id)).toEqual(a);
      });

      it('phone-only contacts in two accounts may share a phone', async () => {
        await createContact(A, { phone: '+14155550100' });
        await expect(createContact(B, { phone: '+14155550100' })).resolves.toBeTruthy();
      });

      it('rejects a duplicate email on create', async () => {
        await createContact(A, { email: 'ada@example.com' });
        const err = await createContact(A, { email: 'ada@example.com' }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(DuplicateIdentifierError);
        expect((err as DuplicateIdentifierError).identifier).toBe('email');
        expect(await repos.contacts.count(A)).toBe(1);
      });

      it('rejects a duplicate id on create', async () => {
        const first = await createContact(A, { email: 'one@example.com' });
        const err = await createContact(A, { email: 'two@example.com' }, first.id).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(DuplicateIdentifierError);
        expect((err as DuplicateIdentifierError).identifier).toBe('id');
      });

      it('rejects an update that takes another contact’s email, and leaves the contact unchanged', async () => {
        await createContact(A, { email: 'ada@example.com' });
        const grace = await createContact(A, { email: 'grace@example.com' });
        const err = await repos.contacts
          .update(A, grace.id, grace.version, state({ email: 'ada@example.com' }))
          .catch((e: unknown) => e);
        expect(err).toBeInstanceOf(DuplicateIdentifierError);
        expect((err as DuplicateIdentifierError).identifier).toBe('email');
        expect(await repos.contacts.findById(A, grace.id)).toEqual(grace);
      });

      it('allows at most one email-less contact per phone, but contacts with emails may share it', async () => {
        await createContact(A, { phone: '+14155550100' });
        const err = await createContact(A, { phone: '+14155550100' }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(DuplicateIdentifierError);
        expect((err as DuplicateIdentifierError).identifier).toBe('phone');

        await createContact(A, { email: 'one@example.com', phone: '+14155550100' });
        await createContact(A, { email: 'two@example.com', phone: '+14155550100' });
        expect(await repos.contacts.findByPhone(A, '+14155550100', 10)).toHaveLength(3);
      });

      it('rejects an update that makes a second email-less contact for a phone', async () => {
        await createContact(A, { phone: '+14155550100' });
        const other = await createContact(A, { phone: '+14155550111' });
        const err = await repos.contacts
          .update(A, other.id, other.version, state({ phone: '+14155550100' }))
          .catch((e: unknown) => e);
        expect(err).toBeInstanceOf(DuplicateIdentifierError);
        expect((err as DuplicateIdentifierError).identifier).toBe('phone');
      });

      it('removing the email from a contact puts it back in the phone-only slot', async () => {
        await createContact(A, { phone: '+14155550100' });
        const withEmail = await createContact(A, { email: 'ada@example.com', phone: '+14155550100' });
        const err = await repos.contacts
          .update(A, withEmail.id, withEmail.version, state({ email: null, phone: '+14155550100' }))
          .catch((e: unknown) => e);
        expect(err).toBeInstanceOf(DuplicateIdentifierError);
        expect((err as DuplicateIdentifierError).identifier).toBe('phone');
      });

      it('setting an email on a phone-only contact frees the phone-only slot', async () => {
        const phoneOnly = await createContact(A, { phone: '+14155550100' });
        const updated = await repos.contacts.update(
          A,
          phoneOnly.id,
          phoneOnly.version,
          state({ email: 'ada@example.com', phone: '+14155550100' }),
        );
        expect(updated).toMatchObject({ email: 'ada@example.com', phone: '+14155550100', version: 2 });
        const next = await createContact(A, { phone: '+14155550100' });
        expect(next.email).toBeNull();
        expect((await repos.contacts.findByPhone(A, '+14155550100', 10)).map((c) => c.id).sort()).toEqual(
          [phoneOnly.id, next.id].sort(),
        );
      });

      it('a contact may keep its own email and phone-only slot on update', async () => {
        const c = await createContact(A, { phone: '+14155550100' });
        const u1 = await repos.contacts.update(A, c.id, 1, state({ phone: '+14155550100', lastActivityAt: at(5) }));
        expect(u1.version).toBe(2);
        const e = await createContact(A, { email: 'ada@example.com' });
        const u2 = await repos.contacts.update(A, e.id, 1, state({ email: 'ada@example.com', lastActivityAt: at(5) }));
        expect(u2.version).toBe(2);
      });

      it('concurrent creates of the same email: exactly one succeeds', async () => {
        const results = await Promise.allSettled(
          Array.from({ length: 8 }, () => createContact(A, { email: 'race@example.com' })),
        );
        const ok = results.filter((r) => r.status === 'fulfilled');
        const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(ok).toHaveLength(1);
        for (const f of failed) {
          expect(f.reason).toBeInstanceOf(DuplicateIdentifierError);
          expect((f.reason as DuplicateIdentifierError).identifier).toBe('email');
        }
        expect(await repos.contacts.count(A)).toBe(1);
      });

      it('concurrent creates of the same phone-only contact: exactly one succeeds', async () => {
        const results = await Promise.allSettled(
          Array.from({ length: 5 }, () => createContact(A, { phone: '+14155550100' })),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        expect(await repos.contacts.count(A)).toBe(1);
      });

      it('updates with optimistic versions and rejects a stale version', async () => {
        const c = await createContact(A, { email: 'ada@example.com' });
        const next = state({
          email: 'ada@example.com',
          phone: '+14155550100',
          fields: { firstName: field('Ada', 5) },
          visitorIds: ['v_1', 'v_2'],
          lastActivityAt: at(5),
        });
        const updated = await repos.contacts.update(A, c.id, c.version, next);
        expect(updated).toMatchObject({ id: c.id, account: A, status: 'new', version: 2, phone: '+14155550100' });
        expect(updated.fields).toEqual(next.fields);
        expect(updated.visitorIds).toEqual(['v_1', 'v_2']);
        expect(updated.createdAt).toEqual(c.createdAt);
        expect(updated.updatedAt.getTime()).toBeGreaterThanOrEqual(c.updatedAt.getTime());
        expect(await repos.contacts.findById(A, c.id)).toEqual(updated);

        await expect(repos.contacts.update(A, c.id, c.version, state({ email: 'ada@example.com' }))).rejects.toBeInstanceOf(
          VersionConflictError,
        );
        await expect(repos.contacts.update(A, 'c_missing', 1, state())).rejects.toBeInstanceOf(VersionConflictError);
        expect(await repos.contacts.findById(A, c.id)).toEqual(updated);
      });

      it('an update moves the lookups: what the contact gained is found, what it dropped is not', async () => {
        const c = await createContact(A, { phone: '+14155550100', visitorIds: ['v_keep', 'v_drop'] });
        const u1 = await repos.contacts.update(A, c.id, c.version, state({ phone: '+14155550100', visitorIds: ['v_keep', 'v_new'] }));
        expect((await repos.contacts.findByVisitorId(A, 'v_keep'))?.id).toBe(c.id);
        expect((await repos.contacts.findByVisitorId(A, 'v_new'))?.id).toBe(c.id);
        expect(await repos.contacts.findByVisitorId(A, 'v_drop')).toBeNull();
        // Gaining an email frees the phone-only slot; the phone itself stays findable.
        const u2 = await repos.contacts.update(A, c.id, u1.version, state({ email: 'ada@example.com', phone: '+14155550100', visitorIds: ['v_keep'] }));
        expect((await repos.contacts.findByEmail(A, 'ada@example.com'))?.id).toBe(c.id);
        expect((await repos.contacts.findByPhone(A, '+14155550100', 10)).map((x) => x.id)).toEqual([c.id]);
        expect(await repos.contacts.findByVisitorId(A, 'v_new')).toBeNull();
        await createContact(A, { phone: '+14155550100' }); // the phone-only slot is free again
        // A changed phone: the old one no longer leads to this contact.
        await repos.contacts.update(A, c.id, u2.version, state({ email: 'ada@example.com', phone: '+14155550111', visitorIds: ['v_keep'] }));
        expect((await repos.contacts.findByPhone(A, '+14155550100', 10)).map((x) => x.id)).not.toContain(c.id);
        expect((await repos.contacts.findByPhone(A, '+14155550111', 10)).map((x) => x.id)).toEqual([c.id]);
      });

      it('concurrent updates from the same version: exactly one wins', async () => {
        const c = await createContact(A, { email: 'ada@example.com' });
        const results = await Promise.allSettled(
          [1, 2, 3].map((n) => repos.contacts.update(A, c.id, c.version, state({ email: 'ada@example.com', lastActivityAt: at(n) }))),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(VersionConflictError);
        expect((await repos.contacts.findById(A, c.id))!.version).toBe(2);
      });

      it('findByPhone: most recently active first, then id ascending, up to the limit', async () => {
        const phone = '+14155550100';
        const old = await createContact(A, { email: 'old@example.com', phone, lastActivityAt: at(1) });
        const tieLow = await createContact(A, { email: 'tie1@example.com', phone, lastActivityAt: at(10) });
        const recent = await createContact(A, { phone, lastActivityAt: at(20) });
        const tieHigh = await createContact(A, { email: 'tie2@example.com', phone, lastActivityAt: at(10) });
        await createContact(A, { email: 'other@example.com', phone: '+14155550111', lastActivityAt: at(30) });
        await createContact(B, { phone, lastActivityAt: at(40) });

        const all = await repos.contacts.findByPhone(A, phone, 10);
        expect(all.map((c) => c.id)).toEqual([recent.id, tieLow.id, tieHigh.id, old.id]);
        expect((await repos.contacts.findByPhone(A, phone, 2)).map((c) => c.id)).toEqual([recent.id, tieLow.id]);
      });

      it('findByPhone: the email-less holder first, however many more recent contacts with emails share the phone', async () => {
        const phone = '+14155550100';
        const phoneOnly = await createContact(A, { phone, lastActivityAt: at(0) });
        const withEmail: ContactRecord[] = [];
        for (let i = 1; i <= 25; i++) {
          withEmail.push(await createContact(A, { email: `switchboard${i}@example.com`, phone, lastActivityAt: at(i) }));
        }
        await createContact(B, { phone, lastActivityAt: at(99) });

        const found = await repos.contacts.findByPhone(A, phone, 20);
        expect(found[0]).toMatchObject({ id: phoneOnly.id, email: null });
        // Then the 19 most recently active: minutes 25 down to 7.
        expect(found.map((c) => c.id)).toEqual([phoneOnly.id, ...withEmail.slice(6).reverse().map((c) => c.id)]);
        expect((await repos.contacts.findByPhone(A, phone, 1)).map((c) => c.id)).toEqual([phoneOnly.id]);
      });

      it('findByPhone: equal recency goes to the smaller id, and an update moves the contact in the order', async () => {
        const phone = '+14155550100';
        const ids = async (limit: number) => (await repos.contacts.findByPhone(A, phone, limit)).map((c) => c.id);
        await createContact(A, { phone, lastActivityAt: at(5) }, 'c_tie_9');
        for (const id of ['c_tie_3', 'c_tie_1', 'c_tie_4', 'c_tie_2']) {
          await createContact(A, { email: `${id}@example.com`, phone, lastActivityAt: at(5) }, id);
        }
        await createContact(A, { email: 'newer@example.com', phone, lastActivityAt: at(6) }, 'c_tie_5');
        expect(await ids(10)).toEqual(['c_tie_9', 'c_tie_5', 'c_tie_1', 'c_tie_2', 'c_tie_3', 'c_tie_4']);
        expect(await ids(3)).toEqual(['c_tie_9', 'c_tie_5', 'c_tie_1']);

        const four = (await repos.contacts.findById(A, 'c_tie_4'))!;
        await repos.contacts.update(A, four.id, four.version, state({ email: 'c_tie_4@example.com', phone, lastActivityAt: at(7) }));
        expect(await ids(10)).toEqual(['c_tie_9', 'c_tie_4', 'c_tie_5', 'c_tie_1', 'c_tie_2', 'c_tie_3']);
        // Given an email, the formerly email-less holder sorts by recency like the others.
        await repos.contacts.update(A, 'c_tie_9', 1, state({ email: 'nine@example.com', phone, lastActivityAt: at(5) }));
        expect(await ids(10)).toEqual(['c_tie_4', 'c_tie_5', 'c_tie_1', 'c_tie_2', 'c_tie_3', 'c_tie_9']);
      });

      it('lists by id with a stable, complete cursor and optional filters', async () => {
        const ids = ['c_05', 'c_01', 'c_07', 'c_03', 'c_02', 'c_06', 'c_04'];
        for (const [i, id] of ids.entries()) {
          await createContact(A, { email: `p${i}@example.com`, phone: i % 2 ? '+14155550100' : '+14155550111' }, id);
        }
        await createContact(B, { email: 'b@example.com' }, 'c_00');

        const walk = async (limit: number) => {
          const seen: string[] = [];
          let cursor: string | undefined;
          for (let pages = 0; pages < 20; pages++) {
            const page = await repos.contacts.list(A, { limit, ...(cursor ? { cursor } : {}) });
            expect(page.data.length).toBeLessThanOrEqual(limit);
            seen.push(...page.data.map((c) => c.id));
            if (!page.nextCursor) return seen;
            expect(page.nextCursor).toBe(page.data[page.data.length - 1]!.id);
            cursor = page.nextCursor;
          }
          throw new Error('pagination did not terminate');
        };
        const sorted = [...ids].sort();
        expect(await walk(3)).toEqual(sorted);
        expect(await walk(3)).toEqual(sorted);
        expect(await walk(7)).toEqual(sorted);
        expect(await walk(100)).toEqual(sorted);
        expect((await repos.contacts.list(A, { limit: 7 })).nextCursor).toBeNull();

        const first = await repos.contacts.list(A, { limit: 2 });
        await createContact(A, { email: 'late@example.com' }, 'c_99');
        const rest = await repos.contacts.list(A, { limit: 100, cursor: first.nextCursor! });
        expect([...first.data, ...rest.data].map((c) => c.id)).toEqual([...sorted, 'c_99']);

        const byEmail = await repos.contacts.list(A, { limit: 10, email: 'p2@example.com' });
        expect(byEmail.data.map((c) => c.id)).toEqual(['c_07']);
        const byPhone = await repos.contacts.list(A, { limit: 2, phone: '+14155550100' });
        expect(byPhone.data.map((c) => c.id)).toEqual(['c_01', 'c_03']);
        const byPhone2 = await repos.contacts.list(A, { limit: 2, phone: '+14155550100', cursor: byPhone.nextCursor! });
        expect(byPhone2.data.map((c) => c.id)).toEqual(['c_06']);
        expect(byPhone2.nextCursor).toBeNull();
      });

      it('deletes a contact, frees its identifiers, and reports whether it existed', async () => {
        const c = await createContact(A, { email: 'ada@example.com' });
        const p = await createContact(A, { phone: '+14155550100' });
        expect(await repos.contacts.delete(A, c.id)).toBe(true);
        expect(await repos.contacts.delete(A, p.id)).toBe(true);
        expect(await repos.contacts.delete(A, c.id)).toBe(false);
        expect(await repos.contacts.findById(A, c.id)).toBeNull();
        expect(await repos.contacts.findByEmail(A, 'ada@example.com')).toBeNull();
        expect(await repos.contacts.count(A)).toBe(0);
        await expect(createContact(A, { email: 'ada@example.com' })).resolves.toBeTruthy();
        await expect(createContact(A, { phone: '+14155550100' })).resolves.toBeTruthy();
      });

      it('reads share no object between fields, like a document read from MongoDB', async () => {
        const when = at(5);
        const input = state({ email: 'shared@example.com', firstSeenAt: when, lastActivityAt: when });
        const created = await repos.contacts.create({ id: nextId('c'), account: A, status: 'new', state: input });
        for (const read of [created, (await repos.contacts.findById(A, created.id))!]) {
          expect(read.firstSeenAt).not.toBe(read.lastActivityAt);
          expect(read.createdAt).not.toBe(read.updatedAt);
          read.firstSeenAt.setTime(0);
          expect(read.lastActivityAt).toEqual(when);
        }
      });

      it('returns plain copies: mutating inputs or results never changes the store', async () => {
        const input = state({ email: 'ada@example.com' });
        const created = await repos.contacts.create({ id: nextId('c'), account: A, status: 'new', state: input });
        input.fields.firstName!.value = 'MUTATED-INPUT';
        input.visitorIds.push('v_input');
        input.firstSeenAt.setTime(0);

        created.email = 'mutated@example.com';
        created.fields.firstName!.value = 'MUTATED';
        created.recentActivities[0]!.type = 'MUTATED';
        created.visitorIds.push('v_mutated');
        created.lastActivityAt.setTime(0);

        const found = (await repos.contacts.findById(A, created.id))!;
        expect(found.email).toBe('ada@example.com');
        expect(found.fields).toEqual(state().fields);
        expect(found.recentActivities).toEqual(state().recentActivities);
        expect(found.visitorIds).toEqual(['v_1']);
        expect(found.firstSeenAt).toEqual(at(0));
        expect(found.lastActivityAt).toEqual(at(0));

        found.visitorIds.push('v_again');
        expect((await repos.contacts.findById(A, created.id))!.visitorIds).toEqual(['v_1']);
      });

      it('never lets an operator smuggled in as an identifier match anything', async () => {
        const c = await createContact(A, { email: 'ada@example.com', phone: '+14155550100' });
        await createContact(A, { phone: '+14155550111' });
        await expectNoMatch(() => repos.contacts.findByEmail(A, injection), null);
        await expectNoMatch(() => repos.contacts.findByPhone(A, injection, 10), []);
        await expectNoMatch(() => repos.contacts.findById(A, injection), null);
        await expectNoMatch(() => repos.contacts.findById(injection, c.id), null);
        await expectNoMatch(() => repos.contacts.findByEmail(A, { $regex: '.*' } as unknown as string), null);
        await expectNoMatch(() => repos.contacts.findByEmail(A, /.*/ as unknown as string), null);
        await expectNoMatch(() => repos.contacts.list(A, { limit: 10, email: injection }), { data: [], nextCursor: null });
        await expectNoMatch(() => repos.contacts.delete(A, injection), false);
        await expectNoMatch(() => repos.contacts.count(injection), 0);
        await expect(repos.contacts.update(A, injection, 1, state({ email: 'ada@example.com' }))).rejects.toBeInstanceOf(Error);
        expect(await repos.contacts.count(A)).toBe(2);
        expect(await repos.contacts.findById(A, c.id)).toEqual(c);
      });
    });

    describe('activities', () => {
      it('inserts idempotently: inserted, then exists, and the stored record is unchanged', async () => {
        const first = activity({ contactId: 'c_1' });
        expect(await repos.activities.insert(first)).toBe('inserted');
        expect(await repos.activities.insert({ ...first, type: 'changed', outcome: 'unidentified', payload: { other: true } })).toBe(
          'exists',
        );
        expect(await repos.activities.findById(A, first.id)).toEqual(first);
        expect(await repos.activities.count(A)).toBe(1);
      });

      it('concurrent inserts of one activity: one inserted, the rest exist', async () => {
        const a = activity();
        const results = await Promise.all([1, 2, 3, 4].map(() => repos.activities.insert(a)));
        expect(results.filter((r) => r === 'inserted')).toHaveLength(1);
        expect(results.filter((r) => r === 'exists')).toHaveLength(3);
      });

      it('keeps every field of the record, including odd field keys and the raw payload', async () => {
        const a = activity({
          phone: '+14155550100',
          phoneExtension: '12',
          visitorId: 'v_9',
          externalId: 'ext_1',
          warnings: ['phone_extension_dropped', 'field_empty_ignored:nothing'],
          fields: { 'a.b': 'dot', $gt: 1, '': false },
          payload: { $set: { 'x.y': 1 }, list: [{ $ne: null }], when: '2026-01-01T00:00:00.000Z', nul: '\u0000D1700000000000' },
        });
        await repos.activities.insert(a);
        const found = await repos.activities.findById(A, a.id);
        expect(found).toEqual(a);
        expect(found).not.toHaveProperty('_id');
      });

      it('keeps an activity’s details (odd keys included) apart from its fields, through insert, replace and the timeline', async () => {
        const a = activity({
          contactId: 'c_details',
          outcome: 'pending',
          fields: { firstName: 'Ada' },
          details: { startTime: '2026-03-09T16:00:00.000Z', 'Office size': '30-50 people', 'a.b': 'dot', $gt: 1, durationMinutes: 30, cancelled: false, none: null },
        });
        await repos.activities.insert(a);
        expect(await repos.activities.findById(A, a.id)).toEqual(a);
        const final = { ...a, outcome: 'processed' as const, details: { ...a.details, status: 'done' } };
        expect(await repos.activities.replaceIf(final, { outcome: 'pending', contactId: 'c_details' })).toBe(true);
        expect(await repos.activities.findById(A, a.id)).toEqual(final);
        const [listed] = await repos.activities.listTimeline(A, 'c_details', { limit: 10 });
        expect(listed!.details).toEqual(final.details);
        expect(listed!.fields).toEqual({ firstName: 'Ada' });
      });

      it('a record written without details reads back without them', async () => {
        const a = activity({ contactId: 'c_1' });
        delete a.details;
        await repos.activities.insert(a);
        expect(await repos.activities.findById(A, a.id)).not.toHaveProperty('details');
      });

      it('keeps a raw payload’s "__proto__" keys as data', async () => {
        const payload = JSON.parse('{"__proto__": {"polluted": "yes"}, "list": [{"__proto__": 1}], "ok": true}') as Record<string, unknown>;
        const a = activity({ payload });
        await repos.activities.insert(a);
        const found = (await repos.activities.findById(A, a.id))!.payload as Record<string, unknown>;
        expect(JSON.stringify(found)).toBe(JSON.stringify(payload));
        expect(Object.keys(found)).toEqual(['__proto__', 'list', 'ok']);
        expect(found.polluted).toBeUndefined();
      });

      it('is unique per account, not globally, and isolates tenants', async () => {
        const a = activity({ contactId: 'c_1' });
        expect(await repos.activities.insert(a)).toBe('inserted');
        expect(await repos.activities.insert({ ...a, account: B })).toBe('inserted');
        expect(await repos.activities.findById(B, a.id)).toEqual({ ...a, account: B });
        const onlyA = activity({ contactId: 'c_1' });
        await repos.activities.insert(onlyA);
        expect(await repos.activities.findById(B, onlyA.id)).toBeNull();
        expect((await repos.activities.listForContact(B, 'c_1', 10)).map((r) => r.id)).toEqual([a.id]);
        expect(await repos.activities.count(B)).toBe(1);
        expect(await repos.activities.deleteForContact(B, 'c_1')).toBe(1);
        expect(await repos.activities.count(A)).toBe(2);
      });

      it('lists a contact’s activities newest first by event time (id descending on ties), up to the limit', async () => {
        const late = activity({ id: 'act_a', contactId: 'c_1', occurredAt: at(30) });
        const tieLow = activity({ id: 'act_b', contactId: 'c_1', occurredAt: at(20) });
        const tieHigh = activity({ id: 'act_c', contactId: 'c_1', occurredAt: at(20) });
        const early = activity({ id: 'act_d', contactId: 'c_1', occurredAt: at(10) });
        for (const r of [tieLow, early, late, tieHigh]) await repos.activities.insert(r);
        await repos.activities.insert(activity({ contactId: 'c_2', occurredAt: at(99) }));
        await repos.activities.insert(activity({ contactId: null, outcome: 'unidentified', occurredAt: at(99) }));

        expect((await repos.activities.listForContact(A, 'c_1', 10)).map((r) => r.id)).toEqual([
          'act_a',
          'act_c',
          'act_b',
          'act_d',
        ]);
        expect((await repos.activities.listForContact(A, 'c_1', 2)).map((r) => r.id)).toEqual(['act_a', 'act_c']);
        expect(await repos.activities.listForContact(A, 'c_none', 10)).toEqual([]);
      });

      it('counts per account, optionally by outcome', async () => {
        await repos.activities.insert(activity());
        await repos.activities.insert(activity());
        await repos.activities.insert(activity({ outcome: 'unidentified', email: null }));
        await repos.activities.insert(activity({ account: B }));
        expect(await repos.activities.count(A)).toBe(3);
        expect(await repos.activities.count(A, {})).toBe(3);
        expect(await repos.activities.count(A, { outcome: 'processed' })).toBe(2);
        expect(await repos.activities.count(A, { outcome: 'unidentified' })).toBe(1);
        expect(await repos.activities.count(B, { outcome: 'unidentified' })).toBe(0);
      });

      it('deletes a contact’s activities only', async () => {
        await repos.activities.insert(activity({ contactId: 'c_1' }));
        await repos.activities.insert(activity({ contactId: 'c_1' }));
        const keep = activity({ contactId: 'c_2' });
        await repos.activities.insert(keep);
        expect(await repos.activities.deleteForContact(A, 'c_1')).toBe(2);
        expect(await repos.activities.deleteForContact(A, 'c_1')).toBe(0);
        expect(await repos.activities.count(A)).toBe(1);
        expect(await repos.activities.findById(A, keep.id)).toEqual(keep);
      });

      it('lists unidentified activities of one account by id, paged, within a receivedAt range', async () => {
        const u = (minute: number, over: Partial<ActivityRecord> = {}) =>
          activity({ outcome: 'unidentified', email: null, receivedAt: at(minute), ...over });
        const rows = [u(10), u(20), u(30), u(40)];
        for (const r of rows) await repos.activities.insert(r);
        await repos.activities.insert(activity({ receivedAt: at(20) })); // processed: never listed
        await repos.activities.insert(u(20, { account: B })); // other tenant: never listed

        const all = await repos.activities.listUnidentified(A, { limit: 10 });
        expect(all).toEqual(rows);
        const page1 = await repos.activities.listUnidentified(A, { limit: 2 });
        const page2 = await repos.activities.listUnidentified(A, { limit: 2, after: page1.at(-1)!.id });
        expect([...page1, ...page2].map((r) => r.id)).toEqual(rows.map((r) => r.id));
        const ranged = await repos.activities.listUnidentified(A, { limit: 10, since: at(20), until: at(40) });
        expect(ranged.map((r) => r.id)).toEqual([rows[1]!.id, rows[2]!.id]);
        expect(await repos.activities.listUnidentified(A, { limit: 0 })).toEqual([]);
      });

      it('replaceIf is a compare-and-set on (outcome, contact)', async () => {
        const unidentified = activity({ outcome: 'unidentified', email: null });
        await repos.activities.insert(unidentified);
        const claim = { contactId: 'c_1', create: true, setEmail: 'ada@example.com', setPhone: null, warnings: ['w'] };
        const pending = { ...unidentified, outcome: 'pending' as const, email: 'ada@example.com', contactId: 'c_1', claim, provider: 'chatbot' };
        expect(await repos.activities.replaceIf(pending, { outcome: 'unidentified', contactId: null })).toBe(true);
        expect(await repos.activities.findById(A, unidentified.id)).toEqual(pending);
        // A second (or concurrent) run that read the old state loses, and changes nothing.
        expect(await repos.activities.replaceIf({ ...pending, contactId: 'c_2' }, { outcome: 'unidentified', contactId: null })).toBe(false);
        // Expecting the wrong contact loses too.
        const processed = { ...pending, outcome: 'processed' as const, claim: null, processedAt: at(9) };
        expect(await repos.activities.replaceIf(processed, { outcome: 'pending', contactId: 'c_other' })).toBe(false);
        expect(await repos.activities.findById(A, unidentified.id)).toEqual(pending);
        expect(await repos.activities.replaceIf(processed, { outcome: 'pending', contactId: 'c_1' })).toBe(true);
        expect(await repos.activities.findById(A, unidentified.id)).toEqual(processed);
        // Nothing stored: nothing replaced, nothing created.
        expect(await repos.activities.replaceIf(activity({ outcome: 'unidentified' }), { outcome: 'unidentified', contactId: null })).toBe(false);
        expect(await repos.activities.count(A)).toBe(1);
        // Another tenant's record with the same id is not touched.
        await repos.activities.insert({ ...unidentified, account: B });
        expect(await repos.activities.replaceIf({ ...processed, contactId: 'c_3' }, { outcome: 'unidentified', contactId: null })).toBe(false);
        expect((await repos.activities.findById(B, unidentified.id))!.outcome).toBe('unidentified');
      });

      it('reads share no object between fields', async () => {
        const when = at(7);
        const a = activity({ occurredAt: when, receivedAt: when, processedAt: when });
        await repos.activities.insert(a);
        const found = (await repos.activities.findById(A, a.id))!;
        expect(found.occurredAt).not.toBe(found.receivedAt);
        found.occurredAt.setTime(0);
        expect(found.receivedAt).toEqual(when);
        expect(found.processedAt).toEqual(when);
      });

      it('returns plain copies', async () => {
        const a = activity();
        await repos.activities.insert(a);
        (a.payload as { event: string }).event = 'mutated-input';
        a.warnings.push('mutated');
        const found = (await repos.activities.findById(A, a.id))!;
        expect((found.payload as { event: string }).event).toBe('invitee.created');
        expect(found.warnings).toEqual([]);
        found.fields.firstName = 'MUTATED';
        found.occurredAt.setTime(0);
        const again = (await repos.activities.findById(A, a.id))!;
        expect(again.fields.firstName).toBe('Ada');
        expect(again.occurredAt).toEqual(at(0));
      });

      it('never lets an operator smuggled in as an identifier match anything', async () => {
        await repos.activities.insert(activity({ contactId: 'c_1' }));
        await expectNoMatch(() => repos.activities.findById(A, injection), null);
        await expectNoMatch(() => repos.activities.listForContact(A, injection, 10), []);
        await expectNoMatch(() => repos.activities.count(A, { outcome: injection as never }), 0);
        await expectNoMatch(() => repos.activities.deleteForContact(A, injection), 0);
        expect(await repos.activities.count(A)).toBe(1);
      });
    });

    describe('contacts by visitor id', () => {
      it('finds the holder of a visitor id, the most recently active if several, per account', async () => {
        const older = await createContact(A, { email: 'old@example.com', visitorIds: ['v_a', 'v_shared'], lastActivityAt: at(1) });
        const newer = await createContact(A, { email: 'new@example.com', visitorIds: ['v_shared'], lastActivityAt: at(5) });
        await createContact(B, { email: 'b@example.com', visitorIds: ['v_b', 'v_shared'], lastActivityAt: at(9) });
        expect((await repos.contacts.findByVisitorId(A, 'v_a'))?.id).toBe(older.id);
        expect((await repos.contacts.findByVisitorId(A, 'v_shared'))?.id).toBe(newer.id);
        expect(await repos.contacts.findByVisitorId(A, 'v_b')).toBeNull();
        expect(await repos.contacts.findByVisitorId(A, 'v_none')).toBeNull();
        // A visitor id gained by update is found; the stored recentPageViews round-trip.
        const updated = await repos.contacts.update(A, older.id, older.version, { ...state({ email: 'old@example.com' }), visitorIds: ['v_a', 'v_late'], lastActivityAt: at(1) });
        expect((await repos.contacts.findByVisitorId(A, 'v_late'))?.id).toBe(older.id);
        expect(updated.recentPageViews).toEqual(state().recentPageViews);
        expect(await repos.contacts.findByVisitorId(A, injection)).toBeNull();
      });
    });

    // ---- Operator API, contacts half: the contact list, status and tombstones, timeline, deletion ----
    describe('operator contacts: list, status, tombstones, timeline, deletion', () => {
      const named = (first: string | null, last: string | null): Record<string, CapturedField> => ({
        ...(first === null ? {} : { firstName: field(first) }),
        ...(last === null ? {} : { lastName: field(last) }),
      });
      /** Every page of a search, following the cursor. */
      async function allPages(account: string, query: Omit<ContactSearchQuery, 'after' | 'limit'>, limit: number): Promise<string[]> {
        const ids: string[] = [];
        let after: ContactSearchQuery['after'];
        for (let guard = 0; guard < 100; guard++) {
          const page = await repos.contacts.search(account, { ...query, limit, ...(after ? { after } : {}) });
          expect(page.data.length).toBeLessThanOrEqual(limit);
          ids.push(...page.data.map((c) => c.id));
          if (!page.next) return ids;
          expect(page.next.id).toBe(page.data[page.data.length - 1]!.id);
          after = page.next;
        }
        throw new Error('no last page');
      }

      it('sorts by lastActivityAt and firstSeenAt newest first, by name ascending (nameless last), ties by id; every page once', async () => {
        const c1 = await createContact(A, { email: 'c1@example.com', fields: named('Ada', 'Lovelace'), firstSeenAt: at(1), lastActivityAt: at(50) });
        const c2 = await createContact(A, { email: 'c2@example.com', fields: named('Grace', 'Hopper'), firstSeenAt: at(2), lastActivityAt: at(40) });
        const c3 = await createContact(A, { email: 'c3@example.com', fields: named(null, null), firstSeenAt: at(3), lastActivityAt: at(50) });
        const c4 = await createContact(A, { email: 'c4@example.com', fields: named('alan', 'turing'), firstSeenAt: at(3), lastActivityAt: at(10) });
        const c5 = await createContact(A, { email: 'c5@example.com', fields: named('Zed', null), firstSeenAt: at(0), lastActivityAt: at(60) });
        const c6 = await createContact(A, { email: 'c6@example.com', fields: named('Émile', 'Hopper'), firstSeenAt: at(5), lastActivityAt: at(20) });
        await createContact(B, { email: 'b@example.com', fields: named('Ada', 'Lovelace'), lastActivityAt: at(99) });

        const byRecent = [c5, c3, c1, c2, c6, c4].map((c) => c.id); // c3 and c1 tie at 50: larger id first
        const byFirstSeen = [c6, c4, c3, c2, c1, c5].map((c) => c.id); // c4 and c3 tie at 3: larger id first
        // Last name, then first name, case-insensitively; "" (no last name) before any, nameless after all.
        const byName = [c5, c2, c6, c1, c4, c3].map((c) => c.id);
        for (const limit of [1, 2, 4, 10]) {
          expect(await allPages(A, { sort: 'lastActivityAt' }, limit)).toEqual(byRecent);
          expect(await allPages(A, { sort: 'firstSeenAt' }, limit)).toEqual(byFirstSeen);
          expect(await allPages(A, { sort: 'name' }, limit)).toEqual(byName);
        }
        const last = await repos.contacts.search(A, { sort: 'lastActivityAt', limit: 6 });
        expect(last.next).toBeNull();
        expect(last.data[0]).toEqual(await repos.contacts.findById(A, c5.id));
        expect((await repos.contacts.search(A, { sort: 'lastActivityAt', limit: 0 })).data).toEqual([]);
      });

      it('a page starts after the position it is given, even when that contact changed or went meanwhile', async () => {
        const a = await createContact(A, { email: 'p1@example.com', lastActivityAt: at(30) });
        const b = await createContact(A, { email: 'p2@example.com', lastActivityAt: at(20) });
        const c = await createContact(A, { email: 'p3@example.com', lastActivityAt: at(10) });
        const first = await repos.contacts.search(A, { sort: 'lastActivityAt', limit: 1 });
        expect(first.data.map((x) => x.id)).toEqual([a.id]);
        await repos.contacts.delete(A, a.id);
        const rest = await repos.contacts.search(A, { sort: 'lastActivityAt', limit: 10, after: first.next! });
        expect(rest.data.map((x) => x.id)).toEqual([b.id, c.id]);
      });

      it('q: case-insensitive prefixes of the email, the phone digits, the first or last name and "first last"; literal text only', async () => {
        const ada = await createContact(A, { email: 'ada.l@example.com', phone: '+14155550100', fields: named('Ada', 'Lovelace') });
        const bob = await createContact(A, { email: 'bob@example.org', fields: named('Bob', 'Adams') });
        const dot = await createContact(A, { email: 'a.b@example.com', fields: named(null, null) });
        await createContact(A, { email: 'axb@example.com', fields: named(null, null) });
        await createContact(B, { email: 'ada@example.com', fields: named('Ada', null) });
        const find = async (q: string) => (await repos.contacts.search(A, { sort: 'name', prefixes: searchPrefixes(q), limit: 50 })).data.map((c) => c.id).sort();
        const ids = (...cs: ContactRecord[]) => cs.map((c) => c.id).sort();

        expect(await find('ADA')).toEqual(ids(ada, bob)); // Ada's email and first name, Bob Adams' last name
        expect(await find('ada.')).toEqual(ids(ada));
        expect(await find('love')).toEqual(ids(ada));
        expect(await find('ada lov')).toEqual(ids(ada));
        expect(await find('1415555')).toEqual(ids(ada));
        expect(await find('+1 (415) 555')).toEqual(ids(ada));
        expect(await find('4155550100')).toEqual([]); // digits from the country code on
        expect(await find('a.b')).toEqual(ids(dot)); // "." is a dot, not any character
        for (const q of ['.*', '^a', 'a|b', '(a)', '[a]', '\\', 'a{1}', 'ada$', '?']) expect(await find(q)).toEqual([]);
        expect(await find('example')).toEqual([]); // a prefix, not a substring
        expect(await find('zzz')).toEqual([]);
      });

      it('q follows updates: the search keys are rewritten with every write', async () => {
        const c = await createContact(A, { email: 'old@example.com', fields: named('Ada', 'Lovelace') });
        await repos.contacts.update(A, c.id, c.version, state({ email: 'new@example.com', fields: { ...named('Augusta', 'King'), lastName: field(null) } }));
        const find = async (q: string) => (await repos.contacts.search(A, { sort: 'lastActivityAt', prefixes: searchPrefixes(q), limit: 5 })).data.map((x) => x.id);
        expect(await find('new@')).toEqual([c.id]);
        expect(await find('augusta')).toEqual([c.id]);
        expect(await find('old@')).toEqual([]);
        expect(await find('ada')).toEqual([]);
        expect(await find('king')).toEqual([]); // cleared (a tombstone) is no name
        expect(await find('lovelace')).toEqual([]);
      });

      it('filters by status and by firstSeenAt in [capturedFrom, capturedTo), with any sort', async () => {
        const mk = (email: string, status: string, minute: number) =>
          repos.contacts.create({ id: nextId('c'), account: A, status, state: state({ email, firstSeenAt: at(minute), lastActivityAt: at(minute) }) });
        const n1 = await mk('n1@example.com', 'new', 1);
        const q1 = await mk('q1@example.com', 'qualified', 2);
        const n2 = await mk('n2@example.com', 'new', 3);
        const q2 = await mk('q2@example.com', 'qualified', 4);
        await repos.contacts.create({ id: nextId('c'), account: B, status: 'new', state: state({ email: 'b@example.com', firstSeenAt: at(2) }) });
        for (const sort of ['lastActivityAt', 'firstSeenAt', 'name'] as const) {
          expect((await allPages(A, { sort, status: 'qualified' }, 1)).sort()).toEqual([q1.id, q2.id].sort());
          expect((await allPages(A, { sort, capturedFrom: at(2), capturedTo: at(4) }, 1)).sort()).toEqual([q1.id, n2.id].sort());
          expect(await allPages(A, { sort, status: 'new', capturedFrom: at(2) }, 1)).toEqual([n2.id]);
          expect(await allPages(A, { sort, status: 'none' }, 1)).toEqual([]);
        }
        expect(await allPages(A, { sort: 'firstSeenAt', capturedTo: at(3) }, 1)).toEqual([q1.id, n1.id]);
      });

      it('keeps the status and the event that set it; an update without them keeps what is stored', async () => {
        const set = { setAt: at(5), activityId: 'act_s1', source: 'chatbot' };
        const c = await repos.contacts.create({ id: nextId('c'), account: A, status: 'qualified', state: state({ email: 's@example.com', status: 'qualified', statusSet: set }) });
        expect(c).toMatchObject({ status: 'qualified', statusSet: set });
        const plain = await createContact(A, { email: 'plain@example.com' });
        expect(plain).toMatchObject({ status: 'new', statusSet: null });

        const kept = await repos.contacts.update(A, c.id, c.version, state({ email: 's@example.com' }));
        expect(kept).toMatchObject({ status: 'qualified', statusSet: set });
        const moved = { setAt: at(9), activityId: 'act_op', source: 'operator' };
        const changed = await repos.contacts.update(A, c.id, kept.version, { ...state({ email: 's@example.com' }), status: 'disqualified', statusSet: moved });
        expect(changed).toMatchObject({ status: 'disqualified', statusSet: moved });
        expect(await repos.contacts.findById(A, c.id)).toEqual(changed);
        expect((await repos.contacts.search(A, { sort: 'lastActivityAt', status: 'disqualified', limit: 5 })).data.map((x) => x.id)).toEqual([c.id]);
      });

      it('keeps a cleared field (value null) as a tombstone with its provenance', async () => {
        const cleared: CapturedField = { value: null, source: 'operator', setAt: at(7), activityId: 'act_edit' };
        const c = await createContact(A, { email: 't@example.com', fields: { company: cleared, plan: field('pro') } });
        expect(c.fields.company).toEqual(cleared);
        expect((await repos.contacts.findById(A, c.id))!.fields).toEqual({ company: cleared, plan: field('pro') });
        const u = await repos.contacts.update(A, c.id, c.version, state({ email: 't@example.com', fields: { company: cleared, plan: { ...cleared, setAt: at(8) } } }));
        expect(u.fields.plan).toEqual({ ...cleared, setAt: at(8) });
      });

      it('lists a contact’s timeline newest first (id descending on ties), by type, paged by position, per account', async () => {
        const rows = [
          activity({ id: 'act_t1', contactId: 'c_1', occurredAt: at(10), type: 'booking.created' }),
          activity({ id: 'act_t2', contactId: 'c_1', occurredAt: at(20), type: 'contact.updated', source: 'operator', status: 'qualified' }),
          activity({ id: 'act_t3', contactId: 'c_1', occurredAt: at(20), type: 'booking.created' }),
          activity({ id: 'act_t4', contactId: 'c_1', occurredAt: at(30), type: 'booking.created' }),
        ];
        for (const r of rows) await repos.activities.insert(r);
        await repos.activities.insert(activity({ contactId: 'c_2', occurredAt: at(25) }));
        await repos.activities.insert(activity({ account: B, id: 'act_t9', contactId: 'c_1', occurredAt: at(40) }));

        const all = await repos.activities.listTimeline(A, 'c_1', { limit: 10 });
        expect(all.map((r) => r.id)).toEqual(['act_t4', 'act_t3', 'act_t2', 'act_t1']);
        expect(all[2]).toEqual(rows[1]); // the status rides along
        const ids: string[] = [];
        let before: { occurredAt: Date; id: string } | undefined;
        for (;;) {
          const page = await repos.activities.listTimeline(A, 'c_1', { limit: 1, ...(before ? { before } : {}) });
          if (page.length === 0) break;
          ids.push(page[0]!.id);
          before = { occurredAt: page[0]!.occurredAt, id: page[0]!.id };
        }
        expect(ids).toEqual(['act_t4', 'act_t3', 'act_t2', 'act_t1']);
        expect((await repos.activities.listTimeline(A, 'c_1', { type: 'booking.created', limit: 10 })).map((r) => r.id)).toEqual(['act_t4', 'act_t3', 'act_t1']);
        expect((await repos.activities.listTimeline(A, 'c_1', { type: 'booking.created', limit: 10, before: { occurredAt: at(20), id: 'act_t3' } })).map((r) => r.id)).toEqual(['act_t1']);
        expect(await repos.activities.listTimeline(A, 'c_1', { limit: 0 })).toEqual([]);
        expect((await repos.activities.listTimeline(B, 'c_1', { limit: 10 })).map((r) => r.id)).toEqual(['act_t9']);
      });

      it('detaching a deleted contact’s history: processed activities lose the contact, pending claims stay, other contacts and tenants untouched', async () => {
        const done = activity({ contactId: 'c_1' });
        const claim = { contactId: 'c_1', create: false, setEmail: null, setPhone: null, warnings: [] };
        const pending = activity({ contactId: 'c_1', outcome: 'pending', claim });
        const other = activity({ contactId: 'c_2' });
        const theirs = activity({ account: B, contactId: 'c_1' });
        for (const r of [done, pending, other, theirs]) await repos.activities.insert(r);

        expect(await repos.activities.detachContact(A, 'c_1')).toBe(1);
        expect(await repos.activities.findById(A, done.id)).toEqual({ ...done, contactId: null });
        expect(await repos.activities.findById(A, pending.id)).toEqual(pending);
        expect((await repos.activities.listTimeline(A, 'c_1', { limit: 10 })).map((r) => r.id)).toEqual([pending.id]);
        expect(await repos.activities.findById(A, other.id)).toEqual(other);
        expect(await repos.activities.findById(B, theirs.id)).toEqual(theirs);
        expect(await repos.activities.detachContact(A, 'c_1')).toBe(0);
        await expectNoMatch(() => repos.activities.detachContact(A, injection), 0);
        await expectNoMatch(() => repos.activities.listTimeline(A, injection, { limit: 10 }), []);
        expect((await repos.activities.findById(A, other.id))!.contactId).toBe('c_2');
      });

      it('detaching a deleted contact’s page views makes them anonymous again, for the next holder of the visitor id', async () => {
        const mine = pageView({ visitorId: 'v_1', viewedAt: at(1) });
        const mineToo = pageView({ visitorId: 'v_2', viewedAt: at(2) });
        const someoneElses = pageView({ visitorId: 'v_1', viewedAt: at(3) });
        const theirs = pageView({ account: B, visitorId: 'v_1' });
        for (const v of [mine, mineToo, someoneElses, theirs]) await repos.pageViews.insert(v);
        await repos.pageViews.attach(A, mine.id, 'c_1');
        await repos.pageViews.attach(A, mineToo.id, 'c_1');
        await repos.pageViews.attach(A, someoneElses.id, 'c_2');
        await repos.pageViews.attach(B, theirs.id, 'c_1');

        expect(await repos.pageViews.detachContact(A, 'c_1', ['v_1', 'v_2', 'v_1'])).toBe(2);
        expect((await repos.pageViews.listUnattached(A, 'v_1', 10)).map((v) => v.id)).toEqual([mine.id]);
        expect((await repos.pageViews.findById(A, someoneElses.id))!.contactId).toBe('c_2');
        expect((await repos.pageViews.findById(B, theirs.id))!.contactId).toBe('c_1');
        expect(await repos.pageViews.detachContact(A, 'c_1', ['v_1', 'v_2'])).toBe(0);
        await expectNoMatch(() => repos.pageViews.detachContact(A, injection, ['v_1']), 0);
      });

      it('never lets an operator smuggled into a list query match anything', async () => {
        await createContact(A, { email: 'x@example.com' });
        await expectNoMatch(() => repos.contacts.search(A, { sort: 'lastActivityAt', status: injection, limit: 5 }), { data: [], next: null });
        await expectNoMatch(() => repos.contacts.search(A, { sort: 'lastActivityAt', prefixes: [injection], limit: 5 }), { data: [], next: null });
        await expectNoMatch(() => repos.contacts.search(injection, { sort: 'lastActivityAt', limit: 5 }), { data: [], next: null });
      });
    });

    describe('page views', () => {
      it('inserts idempotently per (account, id) and keeps every field', async () => {
        const v = pageView();
        expect(await repos.pageViews.insert(v)).toBe('inserted');
        expect(await repos.pageViews.insert({ ...v, url: 'https://changed.example/', contactId: 'c_x' })).toBe('exists');
        expect(await repos.pageViews.findById(A, v.id)).toEqual(v);
        expect(await repos.pageViews.insert({ ...v, account: B })).toBe('inserted');
        expect(await repos.pageViews.count(A)).toBe(1);
        expect(await repos.pageViews.findById(B, 'act_missing')).toBeNull();
      });

      it('lists a visitor’s unattached views newest first, per account, up to the limit', async () => {
        const old = pageView({ viewedAt: at(1) });
        const recent = pageView({ viewedAt: at(3) });
        const middle = pageView({ viewedAt: at(2) });
        const attached = pageView({ viewedAt: at(4), contactId: 'c_1' });
        const otherVisitor = pageView({ visitorId: 'v_2', viewedAt: at(5) });
        const otherAccount = pageView({ account: B, viewedAt: at(6) });
        for (const v of [old, recent, middle, attached, otherVisitor, otherAccount]) await repos.pageViews.insert(v);
        expect((await repos.pageViews.listUnattached(A, 'v_1', 10)).map((v) => v.id)).toEqual([recent.id, middle.id, old.id]);
        expect((await repos.pageViews.listUnattached(A, 'v_1', 2)).map((v) => v.id)).toEqual([recent.id, middle.id]);
        expect(await repos.pageViews.listUnattached(A, 'v_1', 0)).toEqual([]);
      });

      it('attach is a compare-and-set from null: the first contact wins, repeating it is fine', async () => {
        const v = pageView();
        await repos.pageViews.insert(v);
        const results = await Promise.all(['c_1', 'c_2', 'c_1', 'c_2'].map((c) => repos.pageViews.attach(A, v.id, c)));
        const winner = (await repos.pageViews.findById(A, v.id))!.contactId;
        expect(['c_1', 'c_2']).toContain(winner);
        expect(results).toEqual(['c_1', 'c_2', 'c_1', 'c_2'].map((c) => c === winner));
        expect(await repos.pageViews.attach(A, v.id, winner!)).toBe(true);
        expect(await repos.pageViews.attach(B, v.id, 'c_3')).toBe(false);
        expect(await repos.pageViews.attach(A, 'act_missing', 'c_3')).toBe(false);
        expect(await repos.pageViews.listUnattached(A, 'v_1', 10)).toEqual([]);
      });

      it('returns plain copies and never lets an operator match anything', async () => {
        const v = pageView();
        await repos.pageViews.insert(v);
        const read = (await repos.pageViews.findById(A, v.id))!;
        read.viewedAt.setTime(0);
        read.url = 'mutated';
        expect(await repos.pageViews.findById(A, v.id)).toEqual(v);
        await expectNoMatch(() => repos.pageViews.findById(A, injection), null);
        await expectNoMatch(() => repos.pageViews.listUnattached(A, injection, 10), []);
        await expectNoMatch(() => repos.pageViews.attach(A, injection, 'c_1'), false);
        expect((await repos.pageViews.findById(A, v.id))!.contactId).toBeNull();
      });
    });

    describe('accounts and api keys', () => {
      const account = {
        id: A,
        name: 'Acme',
        defaultCountry: 'US',
        statuses: ['new', 'qualified'],
        defaultStatus: 'new',
        fieldDefinitions: [
          { key: 'seats', type: 'number' as const },
          { key: 'plan', type: 'single_choice' as const, options: ['Free', 'Pro'], label: 'Plan' },
          { key: 'signupCampaign', type: 'text' as const, setOnce: true, sourceNames: ['utm_campaign', 'Campaign'] },
        ],
        createdAt: at(0),
      };

      it('ensure creates once and returns an existing account unchanged', async () => {
        expect(await repos.accounts.ensure(account)).toEqual(account);
        expect(await repos.accounts.ensure({ ...account, name: 'Changed', statuses: ['x'] })).toEqual(account);
        expect(await repos.accounts.findById(A)).toEqual(account);
        expect(await repos.accounts.findById(B)).toBeNull();
      });

      it('concurrent ensure of a new account: all get the same account', async () => {
        const results = await Promise.all([1, 2, 3].map(() => repos.accounts.ensure(account)));
        for (const r of results) expect(r).toEqual(account);
      });

      it('stores api keys by hash, idempotently', async () => {
        const key = { hash: 'a'.repeat(64), account: A, label: 'bootstrap', createdAt: at(0) };
        await repos.accounts.ensureApiKey(key);
        await repos.accounts.ensureApiKey({ ...key, label: 'changed', account: B });
        expect(await repos.accounts.findApiKey(key.hash)).toEqual(key);
        expect(await repos.accounts.findApiKey('b'.repeat(64))).toBeNull();
      });

      it('revokes an account’s keys of one label except the one to keep', async () => {
        const key = (c: string, over: Partial<{ account: string; label: string }> = {}) => ({ hash: c.repeat(64), account: A, label: 'bootstrap', createdAt: at(0), ...over });
        await repos.accounts.ensureApiKey(key('a'));
        await repos.accounts.ensureApiKey(key('b'));
        await repos.accounts.ensureApiKey(key('c', { label: 'ci' }));
        await repos.accounts.ensureApiKey(key('d', { account: B }));
        expect(await repos.accounts.revokeApiKeys(A, 'bootstrap', 'b'.repeat(64))).toBe(1);
        expect(await repos.accounts.findApiKey('a'.repeat(64))).toBeNull();
        expect(await repos.accounts.findApiKey('b'.repeat(64))).not.toBeNull();
        expect(await repos.accounts.findApiKey('c'.repeat(64))).not.toBeNull(); // other label
        expect(await repos.accounts.findApiKey('d'.repeat(64))).not.toBeNull(); // other account
        expect(await repos.accounts.revokeApiKeys(A, 'bootstrap', 'b'.repeat(64))).toBe(0);
      });

      it('never lets an operator smuggled in as a key hash match anything', async () => {
        await repos.accounts.ensureApiKey({ hash: 'a'.repeat(64), account: A, label: 'k', createdAt: at(0) });
        await repos.accounts.ensure(account);
        await expectNoMatch(() => repos.accounts.findApiKey(injection), null);
        await expectNoMatch(() => repos.accounts.findApiKey({ $gt: '' } as unknown as string), null);
        await expectNoMatch(() => repos.accounts.findById(injection), null);
      });

      it('returns plain copies', async () => {
        const got = await repos.accounts.ensure(account);
        got.statuses.push('mutated');
        expect((await repos.accounts.findById(A))!.statuses).toEqual(['new', 'qualified']);
      });
    });

    describe('webhook secrets', () => {
      const current = { secret: 'whsec_current', label: 'current', createdAt: at(1) };
      const previous = { secret: 'whsec_previous', label: 'previous', createdAt: at(0) };

      it('none until set; set replaces the whole list (rotation), per account', async () => {
        expect(await repos.accounts.findWebhookSecrets(A)).toEqual([]);
        await repos.accounts.setWebhookSecrets(A, [previous]);
        await repos.accounts.setWebhookSecrets(A, [current, previous]);
        expect(await repos.accounts.findWebhookSecrets(A)).toEqual([current, previous]);
        await repos.accounts.setWebhookSecrets(A, [current]);
        expect(await repos.accounts.findWebhookSecrets(A)).toEqual([current]);
        expect(await repos.accounts.findWebhookSecrets(B)).toEqual([]);
      });

      it('concurrent first sets leave one of them, whole', async () => {
        await Promise.all([repos.accounts.setWebhookSecrets(B, [current]), repos.accounts.setWebhookSecrets(B, [previous])]);
        expect([[current], [previous]]).toContainEqual(await repos.accounts.findWebhookSecrets(B));
      });

      it('never matches an injected account id', async () => {
        await repos.accounts.setWebhookSecrets(A, [current]);
        await expectNoMatch(() => repos.accounts.findWebhookSecrets(injection), []);
      });
    });

    // ---- GDPR erase, suppression and the unidentified listing ----
    describe('erase support: activity ids, page views by visitor, unidentified counts', () => {
      it('lists the ids of a contact’s activities, per account, and nothing after deleteForContact', async () => {
        const mine = [activity({ contactId: 'c_1' }), activity({ contactId: 'c_1' })];
        for (const r of [...mine, activity({ contactId: 'c_2' }), activity({ account: B, contactId: 'c_1' })]) await repos.activities.insert(r);
        expect((await repos.activities.listIdsForContact(A, 'c_1')).sort()).toEqual(mine.map((r) => r.id).sort());
        expect(await repos.activities.listIdsForContact(A, 'c_none')).toEqual([]);
        expect(await repos.activities.deleteForContact(A, 'c_1')).toBe(2);
        expect(await repos.activities.listIdsForContact(A, 'c_1')).toEqual([]);
        expect(await repos.activities.listIdsForContact(B, 'c_1')).toHaveLength(1);
        await expectNoMatch(() => repos.activities.listIdsForContact(A, injection), []);
      });

      it('counts unidentified activities per account within a receivedAt range [since, until)', async () => {
        for (const minutes of [0, 10, 20]) await repos.activities.insert(activity({ outcome: 'unidentified', receivedAt: at(minutes) }));
        await repos.activities.insert(activity({ outcome: 'processed', receivedAt: at(10) }));
        await repos.activities.insert(activity({ account: B, outcome: 'unidentified', receivedAt: at(10) }));
        expect(await repos.activities.countUnidentified(A, {})).toBe(3);
        expect(await repos.activities.countUnidentified(A, { since: at(10) })).toBe(2);
        expect(await repos.activities.countUnidentified(A, { until: at(10) })).toBe(1);
        expect(await repos.activities.countUnidentified(A, { since: at(0), until: at(20) })).toBe(2);
        expect(await repos.activities.countUnidentified(B, {})).toBe(1);
        await expectNoMatch(() => repos.activities.countUnidentified(injection, {}), 0);
      });

      it('stores a suppressed activity without identifiers, fields or payload, and it is final for replaceIf', async () => {
        const r = activity({ outcome: 'suppressed', email: null, phone: null, fields: {}, payload: undefined, contactId: null });
        expect(await repos.activities.insert(r)).toBe('inserted');
        const stored = await repos.activities.findById(A, r.id);
        expect(stored).toMatchObject({ outcome: 'suppressed', email: null, phone: null, fields: {}, contactId: null });
        expect(stored!.payload).toBeUndefined();
        expect(await repos.activities.count(A, { outcome: 'suppressed' })).toBe(1);
        expect(await repos.activities.replaceIf({ ...r, outcome: 'processed' }, { outcome: 'pending', contactId: null })).toBe(false);
      });

      it('lists every view of a visitor with its owner, per account, and deletes views by id', async () => {
        const free = pageView({ visitorId: 'v_e' });
        const mine = pageView({ visitorId: 'v_e', contactId: 'c_1' });
        const theirs = pageView({ visitorId: 'v_e', contactId: 'c_2' });
        const other = pageView({ visitorId: 'v_other' });
        const elsewhere = pageView({ account: B, visitorId: 'v_e' });
        for (const v of [free, mine, theirs, other, elsewhere]) await repos.pageViews.insert(v);
        const listed = await repos.pageViews.listIdsOfVisitor(A, 'v_e');
        expect([...listed].sort((x, y) => (x.id < y.id ? -1 : 1))).toEqual(
          [free, mine, theirs].map((v) => ({ id: v.id, contactId: v.contactId })).sort((x, y) => (x.id < y.id ? -1 : 1)),
        );
        expect(await repos.pageViews.listIdsOfVisitor(A, 'v_nobody')).toEqual([]);

        // Unknown and repeated ids are harmless; another account's view of the same id stays.
        expect(await repos.pageViews.deleteByIds(A, [free.id, mine.id, mine.id, 'act_missing', elsewhere.id])).toBe(2);
        expect(await repos.pageViews.findById(A, free.id)).toBeNull();
        expect(await repos.pageViews.findById(A, mine.id)).toBeNull();
        expect(await repos.pageViews.findById(A, theirs.id)).not.toBeNull();
        expect(await repos.pageViews.findById(B, elsewhere.id)).not.toBeNull();
        expect((await repos.pageViews.listIdsOfVisitor(A, 'v_e')).map((v) => v.id)).toEqual([theirs.id]);
        expect(await repos.pageViews.listUnattached(A, 'v_e', 10)).toEqual([]);
        expect(await repos.pageViews.deleteByIds(A, [])).toBe(0);
        await expectNoMatch(() => repos.pageViews.listIdsOfVisitor(A, injection), []);
        await expectNoMatch(() => repos.pageViews.deleteByIds(A, [injection]), 0);
        expect(await repos.pageViews.count(A)).toBe(2);
      });
    });

    describe('suppressions', () => {
      const h1 = 'a'.repeat(64);
      const h2 = 'b'.repeat(64);
      const suppression = (over: Partial<{ account: string; hash: string; kind: 'email' | 'phone' }> = {}) => ({
        account: A,
        hash: h1,
        kind: 'email' as const,
        createdAt: at(0),
        ...over,
      });

      it('adds idempotently per (account, hash) and finds any of several hashes in one call', async () => {
        expect(await repos.suppressions.add(suppression())).toBe('inserted');
        expect(await repos.suppressions.add(suppression({ kind: 'phone' }))).toBe('exists');
        expect(await repos.suppressions.add(suppression({ hash: h2, kind: 'phone' }))).toBe('inserted');
        expect(await repos.suppressions.count(A)).toBe(2);
        expect((await repos.suppressions.findAny(A, [h2, 'c'.repeat(64), h1, h1])).sort()).toEqual([h1, h2]);
        expect(await repos.suppressions.findAny(A, ['c'.repeat(64)])).toEqual([]);
        expect(await repos.suppressions.findAny(A, [])).toEqual([]);
      });

      it('isolates tenants', async () => {
        await repos.suppressions.add(suppression());
        expect(await repos.suppressions.findAny(B, [h1])).toEqual([]);
        expect(await repos.suppressions.count(B)).toBe(0);
        expect(await repos.suppressions.add(suppression({ account: B }))).toBe('inserted');
        expect(await repos.suppressions.count(B)).toBe(1);
      });

      it('concurrent adds of one hash: one inserted, the rest exist', async () => {
        const outcomes = await Promise.all(Array.from({ length: 5 }, () => repos.suppressions.add(suppression())));
        expect(outcomes.filter((o) => o === 'inserted')).toHaveLength(1);
        expect(await repos.suppressions.count(A)).toBe(1);
      });

      it('never lets an operator smuggled in as a hash or account match anything', async () => {
        await repos.suppressions.add(suppression());
        await expectNoMatch(() => repos.suppressions.findAny(A, [injection]), []);
        await expectNoMatch(() => repos.suppressions.findAny(injection, [h1]), []);
        await expectNoMatch(() => repos.suppressions.count(injection), 0);
      });
    });

    describe('operator API: contact statuses', () => {
      const withStatus = async (account: string, status: string, email: string) =>
        repos.contacts.create({ id: nextId('c'), account, status, state: state({ email }) });

      it('counts and moves one status’s contacts, per account, bumping each one’s version', async () => {
        const trial = [await withStatus(A, 'trial', 't1@example.com'), await withStatus(A, 'trial', 't2@example.com')];
        const kept = await withStatus(A, 'new', 'n1@example.com');
        const other = await withStatus(B, 'trial', 't1@example.com');
        expect(await repos.contacts.countByStatus(A, 'trial')).toBe(2);
        expect(await repos.contacts.countByStatus(A, 'gone')).toBe(0);

        expect(await repos.contacts.replaceStatus(A, 'trial', 'qualified')).toBe(2);
        for (const c of trial) {
          const moved = (await repos.contacts.findById(A, c.id))!;
          expect(moved).toMatchObject({ status: 'qualified', version: c.version + 1, email: c.email, fields: c.fields });
          // A worker holding the old version re-reads instead of writing the old status back.
          await expect(repos.contacts.update(A, c.id, c.version, state({ email: c.email }))).rejects.toBeInstanceOf(VersionConflictError);
        }
        expect(await repos.contacts.findById(A, kept.id)).toEqual(kept);
        expect(await repos.contacts.findById(B, other.id)).toEqual(other);
        expect(await repos.contacts.countByStatus(A, 'trial')).toBe(0);
        expect(await repos.contacts.countByStatus(A, 'qualified')).toBe(2);
        expect(await repos.contacts.countByStatus(B, 'trial')).toBe(1);
        expect(await repos.contacts.replaceStatus(A, 'trial', 'qualified')).toBe(0);
        expect(await repos.contacts.replaceStatus(A, 'qualified', 'qualified')).toBe(0);
      });

      it('follows a contact’s status through updates and deletes', async () => {
        const c = await withStatus(A, 'trial', 'follow@example.com');
        await repos.contacts.update(A, c.id, c.version, state({ email: 'follow@example.com', lastActivityAt: at(5) }));
        expect(await repos.contacts.countByStatus(A, 'trial')).toBe(1);
        await repos.contacts.delete(A, c.id);
        expect(await repos.contacts.countByStatus(A, 'trial')).toBe(0);
        expect(await repos.contacts.replaceStatus(A, 'trial', 'new')).toBe(0);
      });

      it('never lets an operator smuggled in as a status match anything', async () => {
        await withStatus(A, 'trial', 'inject@example.com');
        await expectNoMatch(() => repos.contacts.countByStatus(A, injection), 0);
        await expectNoMatch(() => repos.contacts.replaceStatus(A, injection, 'x'), 0);
        await expectNoMatch(() => repos.contacts.replaceStatus(injection, 'trial', 'x'), 0);
        expect(await repos.contacts.countByStatus(A, 'trial')).toBe(1);
      });
    });

    describe('operator API: accounts', () => {
      const acct = (id: string, over: Partial<Account> = {}): Account => ({
        id,
        name: id,
        defaultCountry: 'US',
        statuses: ['new', 'sales_qualified'],
        statusLabels: { new: 'New', sales_qualified: 'Sales qualified' },
        defaultStatus: 'new',
        fieldDefinitions: [{ key: 'website', type: 'url', label: 'Website', sourceNames: ['site'] }],
        createdAt: at(0),
        ...over,
      });

      it('inserts once; a taken id answers exists and changes nothing', async () => {
        expect(await repos.accounts.insert(acct('acme'))).toBe('inserted');
        expect(await repos.accounts.insert(acct('acme', { name: 'Other' }))).toBe('exists');
        expect(await repos.accounts.findById('acme')).toEqual(acct('acme'));
        expect(await repos.accounts.ensure(acct('acme', { name: 'Ensured' }))).toEqual(acct('acme'));
      });

      it('lists in id order with a complete cursor, per limit', async () => {
        for (const id of ['c', 'a', 'e', 'b', 'd']) await repos.accounts.insert(acct(id));
        const first = await repos.accounts.list({ limit: 2 });
        expect(first.data.map((a) => a.id)).toEqual(['a', 'b']);
        expect(first.nextCursor).toBe('b');
        const second = await repos.accounts.list({ limit: 2, cursor: 'b' });
        expect(second.data.map((a) => a.id)).toEqual(['c', 'd']);
        const last = await repos.accounts.list({ limit: 2, cursor: 'd' });
        expect(last).toEqual({ data: [acct('e')], nextCursor: null });
        expect(await repos.accounts.list({ limit: 5, cursor: 'bb' })).toMatchObject({ data: [{ id: 'c' }, { id: 'd' }, { id: 'e' }], nextCursor: null });
        expect(await repos.accounts.list({ limit: 0 })).toEqual({ data: [], nextCursor: null });
      });

      it('keeps the hasSuppressions flag an erase sets', async () => {
        await repos.accounts.insert({ id: 'flagged', name: 'Flagged', defaultCountry: 'US', statuses: ['new'], defaultStatus: 'new', fieldDefinitions: [], createdAt: at(0) });
        expect((await repos.accounts.findById('flagged'))!.hasSuppressions).toBeUndefined();
        expect(await repos.accounts.updateSettings('flagged', 0, { hasSuppressions: true })).toMatchObject({ hasSuppressions: true, revision: 1 });
        expect((await repos.accounts.findById('flagged'))!.hasSuppressions).toBe(true);
      });

      it('updateSettings is a compare-and-set on the revision (absent = 0) and keeps what it does not change', async () => {
        await repos.accounts.insert(acct('acme'));
        const changed = await repos.accounts.updateSettings('acme', 0, {
          statuses: ['sales_qualified', 'new', 'won'],
          statusLabels: { new: 'Fresh', sales_qualified: 'Sales qualified', won: 'Won' },
          fieldDefinitions: [{ key: 'website', type: 'url', label: 'Site', archived: true }, { key: 'plan', type: 'single_choice', options: ['Free', 'Pro'], setOnce: true }],
        });
        const expected = {
          ...acct('acme'),
          statuses: ['sales_qualified', 'new', 'won'],
          statusLabels: { new: 'Fresh', sales_qualified: 'Sales qualified', won: 'Won' },
          fieldDefinitions: [{ key: 'website', type: 'url', label: 'Site', archived: true }, { key: 'plan', type: 'single_choice', options: ['Free', 'Pro'], setOnce: true }],
          revision: 1,
        };
        expect(changed).toEqual(expected);
        expect(await repos.accounts.findById('acme')).toEqual(expected);
        // A writer that read revision 0 lost the race: nothing changes.
        expect(await repos.accounts.updateSettings('acme', 0, { name: 'Stale' })).toBeNull();
        expect(await repos.accounts.updateSettings('acme', 1, { name: 'Acme Inc', defaultCountry: 'DE', defaultStatus: 'won' })).toEqual({
          ...expected,
          name: 'Acme Inc',
          defaultCountry: 'DE',
          defaultStatus: 'won',
          revision: 2,
        });
        expect(await repos.accounts.updateSettings('missing', 0, { name: 'x' })).toBeNull();
        expect(await repos.accounts.findById('missing')).toBeNull();
      });

      it('updateSettings works on accounts stored without labels or revision', async () => {
        const legacy = { id: 'legacy', name: 'Legacy', defaultCountry: 'US', statuses: ['new', 'contacted'], defaultStatus: 'new', fieldDefinitions: [], createdAt: at(0) };
        await repos.accounts.ensure(legacy);
        expect(await repos.accounts.findById('legacy')).toEqual(legacy);
        expect(await repos.accounts.updateSettings('legacy', 0, { statusLabels: { contacted: 'Reached out' } })).toEqual({ ...legacy, statusLabels: { contacted: 'Reached out' }, revision: 1 });
      });

      it('updateSettings without changes only bumps the revision', async () => {
        await repos.accounts.insert(acct('acme'));
        expect(await repos.accounts.updateSettings('acme', 0, {})).toEqual({ ...acct('acme'), revision: 1 });
      });

      it('concurrent updateSettings from one revision: exactly one wins', async () => {
        await repos.accounts.insert(acct('acme'));
        const results = await Promise.all(['x', 'y', 'z'].map((name) => repos.accounts.updateSettings('acme', 0, { name })));
        expect(results.filter((r) => r !== null)).toHaveLength(1);
        expect((await repos.accounts.findById('acme'))!.revision).toBe(1);
      });

      it('returns plain copies and never lets an operator match anything', async () => {
        await repos.accounts.insert(acct('acme'));
        const got = (await repos.accounts.updateSettings('acme', 0, { name: 'Copy' }))!;
        got.statusLabels!.new = 'mutated';
        got.fieldDefinitions.push({ key: 'x', type: 'text' });
        expect((await repos.accounts.findById('acme'))!.statusLabels!.new).toBe('New');
        expect((await repos.accounts.findById('acme'))!.fieldDefinitions).toHaveLength(1);
        await expectNoMatch(() => repos.accounts.updateSettings(injection, 1, { name: 'Injected' }), null);
        await expectNoMatch(async () => (await repos.accounts.list({ limit: 5, cursor: injection })).data.length, 0);
        expect((await repos.accounts.findById('acme'))!.name).toBe('Copy');
      });
    });

    describe('operator API: API keys', () => {
      const key = (c: string, over: Partial<ApiKeyRecord> = {}): ApiKeyRecord => ({ hash: c.repeat(64), account: A, label: `key ${c}`, createdAt: at(0), ...over });

      it('keeps an expiry, lists one account’s keys, deletes only its own, records a use', async () => {
        await repos.accounts.ensureApiKey(key('a', { expiresAt: at(60) }));
        await repos.accounts.ensureApiKey(key('b'));
        await repos.accounts.ensureApiKey(key('c', { account: B }));
        expect(await repos.accounts.findApiKey('a'.repeat(64))).toEqual(key('a', { expiresAt: at(60) }));

        const listed = await repos.accounts.listApiKeys(A, 10);
        expect(listed.sort((x, y) => (x.hash < y.hash ? -1 : 1))).toEqual([key('a', { expiresAt: at(60) }), key('b')]);
        expect(await repos.accounts.listApiKeys(A, 1)).toHaveLength(1);

        expect(await repos.accounts.deleteApiKey(A, 'c'.repeat(64))).toBe(false); // B's key
        expect(await repos.accounts.findApiKey('c'.repeat(64))).not.toBeNull();
        expect(await repos.accounts.deleteApiKey(A, 'b'.repeat(64))).toBe(true);
        expect(await repos.accounts.deleteApiKey(A, 'b'.repeat(64))).toBe(false);
        expect(await repos.accounts.findApiKey('b'.repeat(64))).toBeNull();

        await repos.accounts.touchApiKey('a'.repeat(64), at(30));
        await repos.accounts.touchApiKey('f'.repeat(64), at(30)); // unknown: no-op
        expect(await repos.accounts.findApiKey('a'.repeat(64))).toEqual(key('a', { expiresAt: at(60), lastUsedAt: at(30) }));
        expect((await repos.accounts.listApiKeys(A, 10))[0]).toEqual(key('a', { expiresAt: at(60), lastUsedAt: at(30) }));
        expect(await repos.accounts.findApiKey('f'.repeat(64))).toBeNull();
      });

      it('never lets an operator match anything', async () => {
        await repos.accounts.ensureApiKey(key('a'));
        await expectNoMatch(() => repos.accounts.listApiKeys(injection, 10), []);
        await expectNoMatch(() => repos.accounts.deleteApiKey(A, injection), false);
        await expectNoMatch(() => repos.accounts.deleteApiKey(injection, 'a'.repeat(64)), false);
        await expectNoMatch(() => repos.accounts.touchApiKey(injection, at(1)), undefined);
        expect(await repos.accounts.findApiKey('a'.repeat(64))).toEqual(key('a'));
      });
    });

    describe('operator API: per-provider webhook secrets', () => {
      const secret = (over: Partial<ProviderSecretRecord> = {}): ProviderSecretRecord => ({
        account: A,
        provider: 'chatbot',
        secret: 'whsec_first_0123456789abcdefghij',
        createdAt: at(0),
        rotatedAt: at(0),
        previous: null,
        version: 1,
        ...over,
      });

      it('the first put needs version 0, every later one the stored version', async () => {
        expect(await repos.accounts.findProviderSecret(A, 'chatbot')).toBeNull();
        expect(await repos.accounts.putProviderSecret(secret(), 0)).toBe(true);
        expect(await repos.accounts.putProviderSecret(secret({ secret: 'whsec_again_0123456789abcdefghij' }), 0)).toBe(false);
        expect(await repos.accounts.findProviderSecret(A, 'chatbot')).toEqual(secret());

        const rotated = secret({ secret: 'whsec_second_0123456789abcdefghi', rotatedAt: at(5), previous: { secret: secret().secret, expiresAt: at(65) }, version: 2 });
        expect(await repos.accounts.putProviderSecret(rotated, 5)).toBe(false);
        expect(await repos.accounts.putProviderSecret(rotated, 1)).toBe(true);
        expect(await repos.accounts.findProviderSecret(A, 'chatbot')).toEqual(rotated);
        expect(await repos.accounts.putProviderSecret({ ...rotated, version: 3 }, 1)).toBe(false);
      });

      it('lists one account’s providers by name; accounts and providers are apart', async () => {
        await repos.accounts.putProviderSecret(secret({ provider: 'scheduling' }), 0);
        await repos.accounts.putProviderSecret(secret({ provider: 'chatbot' }), 0);
        await repos.accounts.putProviderSecret(secret({ account: B, provider: 'routing-form' }), 0);
        // An account id with a ':' cannot collide with another (account, provider) pair.
        await repos.accounts.putProviderSecret(secret({ account: 'a:b', provider: 'c' }), 0);
        expect(await repos.accounts.putProviderSecret(secret({ account: 'a', provider: 'b:c' }), 0)).toBe(true);
        expect((await repos.accounts.listProviderSecrets(A)).map((r) => r.provider)).toEqual(['chatbot', 'scheduling']);
        expect((await repos.accounts.listProviderSecrets(B)).map((r) => r.provider)).toEqual(['routing-form']);
        expect(await repos.accounts.findProviderSecret(B, 'chatbot')).toBeNull();
        expect(await repos.accounts.findProviderSecret('a:b', 'c')).toMatchObject({ account: 'a:b', provider: 'c' });
      });

      it('concurrent first puts: exactly one wins', async () => {
        const results = await Promise.all(['x', 'y', 'z'].map((c) => repos.accounts.putProviderSecret(secret({ secret: c.repeat(30) }), 0)));
        expect(results.filter(Boolean)).toHaveLength(1);
      });

      it('never lets an operator match anything', async () => {
        await repos.accounts.putProviderSecret(secret(), 0);
        await expectNoMatch(() => repos.accounts.findProviderSecret(A, injection), null);
        await expectNoMatch(() => repos.accounts.listProviderSecrets(injection), []);
        await expectNoMatch(() => repos.accounts.putProviderSecret(secret({ provider: injection }), 1), false);
        expect(await repos.accounts.listProviderSecrets(A)).toEqual([secret()]);
      });
    });

    it('answers ping', async () => {
      await expect(repos.ping()).resolves.toBeUndefined();
    });
  });
}
