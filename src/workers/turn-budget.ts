/**
 * How long work that never waits for I/O may hold the event loop before it lets timers, sockets and
 * requests in. The in-memory store answers on the microtask queue (memory-store.ts, roundTrip), so
 * an intake job's activities run without returning to the event loop: ≈ 0.3 ms each, 150 ms for a
 * batch of 500, and several such jobs can start in one turn. Lock renewals, Redis replies and, with
 * ROLE=all, the API's requests would wait for all of it.
 */
export const TURN_BUDGET_MS = 5;

const WITHIN: Promise<void> = Promise.resolve();
/** When the current turn's budget ends (performance.now()); -1 until a caller starts one. */
let turnEndsAt = -1;
let endQueued = false;

function endTurn(): void {
  endQueued = false;
  turnEndsAt = -1;
}

/**
 * Resolves at once (a microtask) while this event-loop turn has used less than TURN_BUDGET_MS
 * since the first call in it, and on the next turn (setImmediate) after that. Shared by every
 * caller in the process, so once the budget is spent every caller parks and the loop gets in.
 */
export function nextSliceOfTurn(): Promise<void> {
  const now = performance.now();
  if (turnEndsAt < 0) {
    turnEndsAt = now + TURN_BUDGET_MS;
    // Runs in the loop's check phase, after this turn: the next call starts a new budget.
    if (!endQueued) {
      endQueued = true;
      setImmediate(endTurn);
    }
  }
  if (now < turnEndsAt) return WITHIN;
  return new Promise((resolve) => setImmediate(resolve));
}
