import type { ContactState } from '../../../src/domain/types';
import { MemoryContactRepository } from '../../../src/repositories/memory/contact.memory-repository';

/**
 * A look-up in the memory store costs what its answer costs: a phone (or visitor id) shared by
 * 10,000 contacts is read like a phone of one. Counted, never timed: the dates a read touches
 * (getTime and valueOf). Copying a record out reads that record's dates, and a scan or sort of the
 * holders would read theirs, so a read of `limit` records must touch exactly `limit` records' dates.
 */
const A = 'acct_a';
const SHARED = '+14155550100';
const LONELY = '+14155550199';
const HOLDERS = 10_000;
const idOf = (n: number) => `ct_${String(n).padStart(5, '0')}`;
const minute = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * 60_000);

function state(email: string | null, phone: string, at: Date): ContactState {
  return { email, phone, fields: {}, recentActivities: [], recentPageViews: [], visitorIds: ['v_shared'], firstSeenAt: at, lastActivityAt: at };
}

async function dateReads<T>(call: () => Promise<T>): Promise<{ result: T; dateReads: number }> {
  const getTime = jest.spyOn(Date.prototype, 'getTime');
  const valueOf = jest.spyOn(Date.prototype, 'valueOf');
  try {
    const result = await call();
    return { result, dateReads: getTime.mock.calls.length + valueOf.mock.calls.length };
  } finally {
    getTime.mockRestore();
    valueOf.mockRestore();
  }
}

it('reads the first `limit` holders of a phone shared by 10,000 contacts as it reads a phone of one', async () => {
  const repo = new MemoryContactRepository();
  // The email-less holder is the least recently active: rule 2 must still get it first.
  await repo.create({ id: idOf(0), account: A, status: 'new', state: state(null, SHARED, minute(0)) });
  for (let i = 1; i < HOLDERS; i++) {
    await repo.create({ id: idOf(i), account: A, status: 'new', state: state(`${idOf(i)}@example.com`, SHARED, minute(i)) });
  }
  await repo.create({ id: 'ct_lonely', account: A, status: 'new', state: state('lonely@example.com', LONELY, minute(0)) });

  // The unit: what copying one record out reads.
  const one = await dateReads(() => repo.findById(A, 'ct_lonely'));
  expect(one.result?.id).toBe('ct_lonely');
  expect(one.dateReads).toBeGreaterThan(0);

  const shared = await dateReads(() => repo.findByPhone(A, SHARED, 20));
  expect(shared.result.map((c) => c.id)).toEqual([idOf(0), ...Array.from({ length: 19 }, (_, k) => idOf(HOLDERS - 1 - k))]);
  expect(shared.dateReads).toBe(20 * one.dateReads);

  const lonely = await dateReads(() => repo.findByPhone(A, LONELY, 20));
  expect(lonely.result).toHaveLength(1);
  expect(lonely.dateReads).toBe(one.dateReads);
  expect((await dateReads(() => repo.findByPhone(A, SHARED, 1))).dateReads).toBe(one.dateReads);

  const visitor = await dateReads(() => repo.findByVisitorId(A, 'v_shared'));
  expect(visitor.result?.id).toBe(idOf(HOLDERS - 1));
  expect(visitor.dateReads).toBe(one.dateReads);
});
