import { runLanes } from '../../../src/workers/identity-lanes';
import { nextSliceOfTurn, TURN_BUDGET_MS } from '../../../src/workers/turn-budget';

/**
 * Work that never waits for I/O (inline processing on the in-memory store) must still let the
 * event loop in: once a turn has run for TURN_BUDGET_MS, every caller waits for the next turn.
 */
const busy = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};
const nextTurn = () => new Promise((r) => setImmediate(r));

it('stays within the turn while the budget lasts', async () => {
  await nextTurn();
  let loopRan = false;
  setImmediate(() => (loopRan = true));
  for (let i = 0; i < 10; i++) await nextSliceOfTurn();
  expect(loopRan).toBe(false);
});

it(`lets the event loop in once a turn has run for ${TURN_BUDGET_MS} ms, and starts a new budget after`, async () => {
  await nextTurn();
  const loopRanAt: number[] = [];
  let calls = 0;
  const tick = () => {
    loopRanAt.push(calls);
    if (loopRanAt.length < 3) setImmediate(tick);
  };
  setImmediate(tick);
  for (; calls < 6 * TURN_BUDGET_MS; calls++) {
    await nextSliceOfTurn();
    busy(1);
  }
  // The loop got in about every TURN_BUDGET_MS calls of 1 ms: not at once, not only at the end.
  expect(loopRanAt.length).toBe(3);
  expect(loopRanAt[0]).toBeGreaterThan(0);
  expect(loopRanAt[0]).toBeLessThanOrEqual(TURN_BUDGET_MS + 2);
  expect(loopRanAt[1]! - loopRanAt[0]!).toBeLessThanOrEqual(TURN_BUDGET_MS + 2);
});

it('makes every lane of a long job wait, so the loop gets in while the job runs', async () => {
  await nextTurn();
  let done = 0;
  let doneWhenLoopRan = -1;
  setImmediate(() => (doneWhenLoopRan = done));
  const lanes = [0, 1, 2, 3].map((l) => Array.from({ length: 10 }, (_, k) => l * 10 + k));
  await runLanes(lanes, 4, async () => {
    busy(0.5);
    done++;
  });
  expect(done).toBe(40);
  expect(doneWhenLoopRan).toBeGreaterThan(0);
  expect(doneWhenLoopRan).toBeLessThan(40);
});
