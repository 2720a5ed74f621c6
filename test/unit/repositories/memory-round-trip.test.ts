import { roundTrip, TURN_BUDGET_MS } from '../../../src/repositories/memory/memory-store';

/**
 * The in-memory store's yield before each operation (memory-store.ts): concurrent callers
 * interleave at every call, short work stays within its event-loop turn, and long work lets the
 * event loop in once the turn's budget is spent.
 */
const busy = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};
const nextTurn = () => new Promise((r) => setImmediate(r));

it('interleaves concurrent callers at every call', async () => {
  await nextTurn();
  const order: string[] = [];
  const caller = async (name: string) => {
    for (let i = 0; i < 3; i++) {
      await roundTrip();
      order.push(`${name}${i}`);
    }
  };
  await Promise.all([caller('a'), caller('b')]);
  expect(order).toEqual(['a0', 'b0', 'a1', 'b1', 'a2', 'b2']);
});

it('keeps short work within the turn it started in', async () => {
  await nextTurn();
  let loopRan = false;
  setImmediate(() => (loopRan = true));
  for (let i = 0; i < 10; i++) await roundTrip();
  expect(loopRan).toBe(false);
});

it(`lets the event loop in once a turn has run store calls for ${TURN_BUDGET_MS} ms`, async () => {
  await nextTurn();
  let loopRan = false;
  setImmediate(() => (loopRan = true));
  let callsBeforeLoop = -1;
  for (let i = 0; i < 4 * TURN_BUDGET_MS; i++) {
    await roundTrip();
    if (loopRan && callsBeforeLoop < 0) callsBeforeLoop = i;
    busy(1);
  }
  expect(loopRan).toBe(true);
  // The budget, plus the call that found it spent.
  expect(callsBeforeLoop).toBeGreaterThan(0);
  expect(callsBeforeLoop).toBeLessThanOrEqual(TURN_BUDGET_MS + 2);
});
