import fc from 'fast-check';
import type { ActivityOutcome, ActivityRecord } from '../../../src/repositories/activity.repository';
import { MemoryActivityRepository } from '../../../src/repositories/memory/activity.memory-repository';
import type { KeyHash } from '../../../src/repositories/memory/hash-index';
import { activityRecord } from '../../support/activity-record';

/**
 * The memory store keeps activities in slots with hash-to-slot indexes by (account, id) and
 * (account, contactId) (activity.memory-repository.ts), checking every candidate against the stored
 * activity. Whatever sequence of inserts, compare-and-sets and deletes runs, every read must answer
 * what a plain model answers: with the real hash, and with one under which every key collides.
 */
const ACCOUNTS = ['a1', 'a2'];
const IDS = ['act_1', 'act_2', 'act_3', 'act_4', 'act_5'];
const CONTACTS = ['c_1', 'c_2', 'c_3', null];
const OUTCOMES: ActivityOutcome[] = ['pending', 'processed', 'unidentified'];

function record(account: string, id: string, contactId: string | null, outcome: ActivityOutcome, minute: number, type = 'x'): ActivityRecord {
  return activityRecord({ id, account, type, occurredAt: new Date(Date.UTC(2026, 0, 1, 0, minute)), outcome, contactId, payload: { minute } });
}

type Op =
  | { kind: 'insert'; account: string; id: string; contactId: string | null; outcome: ActivityOutcome; minute: number }
  | { kind: 'replace'; account: string; id: string; expectOutcome: ActivityOutcome; expectContact: string | null; contactId: string | null; outcome: ActivityOutcome; minute: number }
  | { kind: 'deleteForContact'; account: string; contactId: string };

const account = fc.constantFrom(...ACCOUNTS);
const id = fc.constantFrom(...IDS);
const contact = fc.constantFrom(...CONTACTS);
const outcome = fc.constantFrom(...OUTCOMES);
const minute = fc.integer({ min: 0, max: 5 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), account, id, contactId: contact, outcome, minute }),
  fc.record({ kind: fc.constant('replace' as const), account, id, expectOutcome: outcome, expectContact: contact, contactId: contact, outcome, minute }),
  fc.record({ kind: fc.constant('deleteForContact' as const), account, contactId: fc.constantFrom('c_1', 'c_2', 'c_3') }),
);

const collide: KeyHash = () => 7;

async function check(hash: KeyHash | undefined, ops: Op[]) {
  const repo = new MemoryActivityRepository(undefined, hash);
  const model = new Map<string, ActivityRecord>(); // `${account} ${id}`
  for (const op of ops) {
    if (op.kind === 'insert') {
      const key = `${op.account} ${op.id}`;
      const r = record(op.account, op.id, op.contactId, op.outcome, op.minute);
      expect(await repo.insert(r)).toBe(model.has(key) ? 'exists' : 'inserted');
      if (!model.has(key)) model.set(key, r);
    } else if (op.kind === 'replace') {
      const key = `${op.account} ${op.id}`;
      const current = model.get(key);
      const wins = current !== undefined && current.outcome === op.expectOutcome && current.contactId === op.expectContact;
      const r = record(op.account, op.id, op.contactId, op.outcome, op.minute, 'replaced');
      expect(await repo.replaceIf(r, { outcome: op.expectOutcome, contactId: op.expectContact })).toBe(wins);
      if (wins) model.set(key, r);
    } else {
      const doomed = [...model].filter(([, r]) => r.account === op.account && r.contactId === op.contactId);
      expect(await repo.deleteForContact(op.account, op.contactId)).toBe(doomed.length);
      for (const [key] of doomed) model.delete(key);
    }
  }
  const inModel = [...model.values()];
  for (const a of ACCOUNTS) {
    for (const i of IDS) expect(await repo.findById(a, i)).toEqual(model.get(`${a} ${i}`) ?? null);
    for (const c of ['c_1', 'c_2', 'c_3']) {
      const expected = inModel
        .filter((r) => r.account === a && r.contactId === c)
        .sort((x, y) => y.occurredAt.getTime() - x.occurredAt.getTime() || (x.id < y.id ? 1 : -1))
        .slice(0, 3);
      expect(await repo.listForContact(a, c, 3)).toEqual(expected);
    }
    expect(await repo.count(a)).toBe(inModel.filter((r) => r.account === a).length);
    for (const o of OUTCOMES) expect(await repo.count(a, { outcome: o })).toBe(inModel.filter((r) => r.account === a && r.outcome === o).length);
    const unidentified = inModel.filter((r) => r.account === a && r.outcome === 'unidentified').sort((x, y) => (x.id < y.id ? -1 : 1));
    expect(await repo.listUnidentified(a, { limit: 10 })).toEqual(unidentified);
    expect(await repo.listUnidentified(a, { limit: 10, after: 'act_2' })).toEqual(unidentified.filter((r) => r.id > 'act_2'));
  }
}

describe.each([
  ['the real hash', undefined],
  ['a hash under which every key collides', collide],
])('memory activities under %s', (_name, hash) => {
  it('answer every read as a model of the stored records does, after any sequence of writes (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { maxLength: 30 }), (ops) => check(hash, ops)),
      { numRuns: 60 },
    );
  });
});
