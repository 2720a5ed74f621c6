import fc from 'fast-check';
import type { ContactState } from '../../../src/domain/types';
import { MemoryContactRepository } from '../../../src/repositories/memory/contact.memory-repository';
import type { KeyHash } from '../../../src/repositories/memory/hash-index';
import type { ContactRecord } from '../../../src/repositories/contact.repository';
import { DuplicateIdentifierError } from '../../../src/shared/errors';

/**
 * The memory store's indexes map key hashes to contact slots (hash-index.ts), per account, and
 * check every candidate against the stored contact. Whatever sequence of creates, updates and
 * deletes runs, every look-up must answer what a full scan of the stored contacts answers: with
 * the real hash, and with one under which every key collides (so no look-up may trust a hash).
 */
const ACCOUNTS = ['a1', 'a2'];
const PHONES = ['+14155550100', '+14155550101', '+14155550102', null];
const VISITORS = ['v1', 'v2', 'v3'];

function state(email: string | null, phone: string | null, visitorIds: string[], minute: number): ContactState {
  const at = new Date(Date.UTC(2026, 0, 1, 0, minute));
  return { email, phone, fields: {}, recentActivities: [], recentPageViews: [], visitorIds, firstSeenAt: at, lastActivityAt: at };
}

type Op =
  | { kind: 'create'; account: string; phone: string | null; visitors: string[]; withEmail: boolean; minute: number }
  | { kind: 'update'; pick: number; phone: string | null; visitors: string[]; minute: number }
  | { kind: 'delete'; pick: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('create' as const),
    account: fc.constantFrom(...ACCOUNTS),
    phone: fc.constantFrom(...PHONES),
    visitors: fc.uniqueArray(fc.constantFrom(...VISITORS), { maxLength: 2 }),
    withEmail: fc.boolean(),
    minute: fc.integer({ min: 0, max: 50 }),
  }),
  fc.record({
    kind: fc.constant('update' as const),
    pick: fc.nat(),
    phone: fc.constantFrom(...PHONES),
    visitors: fc.uniqueArray(fc.constantFrom(...VISITORS), { maxLength: 2 }),
    minute: fc.integer({ min: 0, max: 50 }),
  }),
  fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }),
);

const recency = (a: ContactRecord, b: ContactRecord) => b.lastActivityAt.getTime() - a.lastActivityAt.getTime() || (a.id < b.id ? -1 : 1);

const HASHES: [string, KeyHash | undefined][] = [
  ['the real hash', undefined],
  ['a hash under which every key collides', () => 7],
];

it.each(HASHES)('look-ups always equal a scan of the stored contacts, with %s', async (_name, hash) => {
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { maxLength: 30 }), async (ops) => {
      const repo = new MemoryContactRepository(undefined, hash);
      const live = new Map<string, ContactRecord>();
      let n = 0;
      for (const op of ops) {
        const ids = [...live.keys()];
        try {
          if (op.kind === 'create') {
            const id = `ct_${String(n++).padStart(4, '0')}`;
            const email = op.withEmail ? `${id}@example.com` : null;
            live.set(id, await repo.create({ id, account: op.account, status: 'new', state: state(email, op.phone, op.visitors, op.minute) }));
          } else if (ids.length > 0) {
            const current = live.get(ids[op.pick % ids.length]!)!;
            if (op.kind === 'update') {
              live.set(current.id, await repo.update(current.account, current.id, current.version, state(current.email, op.phone, op.visitors, op.minute)));
            } else {
              await repo.delete(current.account, current.id);
              live.delete(current.id);
            }
          }
        } catch (err) {
          // A second email-less contact on one phone is refused (unique index): not a look-up bug.
          if (!(err instanceof DuplicateIdentifierError)) throw err;
        }
      }
      for (const account of ACCOUNTS) {
        const mine = [...live.values()].filter((c) => c.account === account);
        for (const phone of PHONES.filter((p): p is string => p !== null)) {
          const expected = mine.filter((c) => c.phone === phone).sort(recency).map((c) => c.id);
          expect((await repo.findByPhone(account, phone, 10)).map((c) => c.id)).toEqual(expected);
        }
        for (const visitor of VISITORS) {
          const expected = mine.filter((c) => c.visitorIds.includes(visitor)).sort(recency)[0]?.id ?? null;
          expect((await repo.findByVisitorId(account, visitor))?.id ?? null).toBe(expected);
        }
        for (const c of [...live.values()]) {
          expect((await repo.findById(account, c.id))?.id ?? null).toBe(c.account === account ? c.id : null);
          if (c.email) expect((await repo.findByEmail(account, c.email))?.id ?? null).toBe(c.account === account ? c.id : null);
        }
        expect(await repo.count(account)).toBe(mine.length);
        const listed = await repo.list(account, { limit: 100 });
        expect(listed.data.map((c) => c.id)).toEqual(mine.map((c) => c.id).sort());
      }
    }),
    { numRuns: 200 },
  );
});

it.each(HASHES)('keeps (account, email) and email-less (account, phone) unique, with %s', async (_name, hash) => {
  const repo = new MemoryContactRepository(undefined, hash);
  await repo.create({ id: 'ct_1', account: 'a1', status: 'new', state: state('ada@example.com', null, [], 0) });
  await repo.create({ id: 'ct_2', account: 'a1', status: 'new', state: state(null, '+14155550100', [], 0) });
  // Other keys, and the same keys in another account, are free.
  await repo.create({ id: 'ct_3', account: 'a1', status: 'new', state: state('bob@example.com', '+14155550100', [], 0) });
  await repo.create({ id: 'ct_4', account: 'a2', status: 'new', state: state('ada@example.com', null, [], 0) });
  await repo.create({ id: 'ct_5', account: 'a2', status: 'new', state: state(null, '+14155550100', [], 0) });
  await expect(repo.create({ id: 'ct_6', account: 'a1', status: 'new', state: state('ada@example.com', null, [], 0) })).rejects.toThrow(DuplicateIdentifierError);
  await expect(repo.create({ id: 'ct_7', account: 'a1', status: 'new', state: state(null, '+14155550100', [], 0) })).rejects.toThrow(DuplicateIdentifierError);
  await expect(repo.create({ id: 'ct_1', account: 'a2', status: 'new', state: state('new@example.com', null, [], 0) })).rejects.toThrow(DuplicateIdentifierError);
  // A contact keeps its own keys on update; taking another's is refused and changes nothing.
  await repo.update('a1', 'ct_1', 1, state('ada@example.com', '+14155550101', ['v1'], 1));
  await expect(repo.update('a1', 'ct_3', 1, state('ada@example.com', null, [], 1))).rejects.toThrow(DuplicateIdentifierError);
  expect((await repo.findByEmail('a1', 'bob@example.com'))?.id).toBe('ct_3');
  expect((await repo.findByEmail('a1', 'ada@example.com'))?.id).toBe('ct_1');
  // Once the holder is gone, the key is free again.
  expect(await repo.delete('a1', 'ct_1')).toBe(true);
  await repo.create({ id: 'ct_8', account: 'a1', status: 'new', state: state('ada@example.com', null, [], 2) });
  expect((await repo.findByEmail('a1', 'ada@example.com'))?.id).toBe('ct_8');
  expect(await repo.findByVisitorId('a1', 'v1')).toBeNull();
});
