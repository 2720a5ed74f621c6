import { roundTrip } from '../../../src/repositories/memory/memory-store';

/**
 * The in-memory store's yield before each operation (memory-store.ts): concurrent callers
 * interleave at every call, and a caller's calls stay within the event-loop turn they started in
 * (the fan-out's turn budget, not the store, lets the event loop in: turn-budget.test.ts).
 */
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

it('answers within the turn, as a store without I/O can', async () => {
  await nextTurn();
  let loopRan = false;
  setImmediate(() => (loopRan = true));
  for (let i = 0; i < 100; i++) await roundTrip();
  expect(loopRan).toBe(false);
});
