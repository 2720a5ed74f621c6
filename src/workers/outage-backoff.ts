/**
 * Growing windows for a store outage: the activities worker pauses the queue for each window.
 * Only a failure after the current window has ended opens the next one, doubled: the jobs already
 * in flight when the outage began fail inside the first window and must not stretch it: each would
 * otherwise double the window, and a short outage would pause the queue for a minute.
 */
export interface OutageBackoff {
  /** A store failure: the length of the window it opens, or null while the current one still runs. */
  failed(): number | null;
  /** The store answered: the next outage starts from the first window again. */
  succeeded(): void;
}

export function createOutageBackoff(firstMs: number, maxMs = 60_000, now: () => number = Date.now): OutageBackoff {
  let streak = 0;
  let until = 0;
  return {
    failed() {
      const t = now();
      if (t < until) return null;
      const ms = Math.min(firstMs * 2 ** Math.min(streak++, 16), maxMs);
      until = t + ms;
      return ms;
    },
    succeeded() {
      streak = 0;
    },
  };
}
