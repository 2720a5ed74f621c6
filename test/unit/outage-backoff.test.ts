import { createOutageBackoff } from '../../src/workers/outage-backoff';

/** A fake clock: the windows are about time, and the test must not wait for it. */
function clock() {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

it('opens windows that double per failure after the previous window, up to the maximum', () => {
  const c = clock();
  const b = createOutageBackoff(50, 300, c.now);
  expect(b.failed()).toBe(50);
  c.advance(50);
  expect(b.failed()).toBe(100);
  c.advance(100);
  expect(b.failed()).toBe(200);
  c.advance(200);
  expect(b.failed()).toBe(300);
  c.advance(300);
  expect(b.failed()).toBe(300);
});

it('failures inside a running window do not stretch it (the jobs that were in flight when the outage began)', () => {
  const c = clock();
  const b = createOutageBackoff(50, 60_000, c.now);
  expect(b.failed()).toBe(50);
  for (let i = 0; i < 8; i++) expect(b.failed()).toBeNull();
  c.advance(50);
  expect(b.failed()).toBe(100);
});

it('a success starts the next outage from the first window again', () => {
  const c = clock();
  const b = createOutageBackoff(50, 60_000, c.now);
  b.failed();
  c.advance(50);
  b.failed();
  c.advance(100);
  b.succeeded();
  expect(b.failed()).toBe(50);
});
