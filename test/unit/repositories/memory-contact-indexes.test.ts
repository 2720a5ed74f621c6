import fc from 'fast-check';
import type { ContactState } from '../../../src/domain/types';
import { MemoryContactRepository } from '../../../src/repositories/memory/contact.memory-repository';
import type { ContactRecord } from '../../../src/repositories/contact.repository';
import { DuplicateIdentifierError } from '../../../src/shared/errors';

/**
 * The memory store keeps its phone and visitor-id indexes as "one id, or a Set once a second
 * contact shares the key", per account. Whatever sequence of creates, updates and deletes runs,
 * every look-up must answer what a full scan of the stored contacts answers.
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

it('phone and visitor-id look-ups always equal a scan of the stored contacts', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { maxLength: 30 }), async (ops) => {
      const repo = new MemoryContactRepository();
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
      }
    }),
    { numRuns: 200 },
  );
});
