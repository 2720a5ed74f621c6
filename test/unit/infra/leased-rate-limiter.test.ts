import type { RateLimiter } from '../../../src/api/rate-limit';
import { createLeasedRateLimiter, leaseSizeFor } from '../../../src/infra/leased-rate-limiter';

/** A shared bucket with a fixed budget that counts its calls (stands in for the Redis script). */
function bucket(tokens: number) {
  const state = { tokens, calls: 0 };
  const limiter: RateLimiter = {
    async consume(_account, cost) {
      state.calls++;
      await new Promise((r) => setImmediate(r));
      if (state.tokens < cost) return { allowed: false, retryAfterSeconds: 1 };
      state.tokens -= cost;
      return { allowed: true, retryAfterSeconds: 0 };
    },
  };
  return { limiter, state };
}

describe('leased rate limiter', () => {
  it('asks the shared bucket once per lease, not once per request', async () => {
    const { limiter, state } = bucket(1000);
    const leased = createLeasedRateLimiter(limiter, { leaseSize: 50, leaseTtlMs: 60_000 });
    for (let i = 0; i < 100; i++) expect((await leased.consume('a', 1)).allowed).toBe(true);
    expect(state.calls).toBe(2);
  });

  it('never admits more than the shared bucket granted, even under concurrency', async () => {
    const { limiter, state } = bucket(120);
    const leased = createLeasedRateLimiter(limiter, { leaseSize: 50, leaseTtlMs: 60_000 });
    const results = await Promise.all(Array.from({ length: 300 }, () => leased.consume('a', 1)));
    const admitted = results.filter((r) => r.allowed).length;
    expect(admitted).toBeLessThanOrEqual(120);
    // Once no full lease is left, single requests still spend what remains of the bucket.
    expect(admitted).toBe(120);
    expect(state.tokens).toBe(0);
    expect(results.find((r) => !r.allowed)?.retryAfterSeconds).toBe(1);
  });

  it('sends a cost of a lease or more (a batch) straight to the shared bucket', async () => {
    const { limiter, state } = bucket(1000);
    const leased = createLeasedRateLimiter(limiter, { leaseSize: 50, leaseTtlMs: 60_000 });
    expect((await leased.consume('a', 100)).allowed).toBe(true);
    expect(state).toEqual({ tokens: 900, calls: 1 });
  });

  it('keeps accounts apart and drops expired leases', async () => {
    const { limiter, state } = bucket(1000);
    const leased = createLeasedRateLimiter(limiter, { leaseSize: 10, leaseTtlMs: 30 });
    await leased.consume('a', 1);
    await leased.consume('b', 1);
    await leased.consume('a', 1); // from a's lease
    expect(state.calls).toBe(2);
    await new Promise((r) => setTimeout(r, 50));
    await leased.consume('a', 1); // a's lease expired: a new one
    expect(state.calls).toBe(3);
    expect(state.tokens).toBe(1000 - 30);
  });

  it('leases only when the limit is large enough to spare it', () => {
    expect(leaseSizeFor(1000, 20_000)).toBe(50);
    expect(leaseSizeFor(1_000_000, 1_000_000)).toBe(100);
    expect(leaseSizeFor(1, 4)).toBe(0);
  });
});
