import { createBackpressure } from '../../../src/services/backpressure';
import { UnavailableError } from '../../../src/shared/errors';

describe('backpressure', () => {
  const setup = (depths: number[], maxDepth = 10) => {
    let t = 0;
    const calls = { n: 0 };
    const bp = createBackpressure({
      maxDepth,
      depth: async () => depths[Math.min(calls.n++, depths.length - 1)]!,
      now: () => t,
    });
    return { bp, calls, advance: (ms: number) => (t += ms) };
  };

  it('admits up to the limit and refuses beyond it with 503 + Retry-After', async () => {
    const { bp } = setup([9]);
    await expect(bp.admit(1)).resolves.toBeUndefined();
    const err = await bp.admit(2).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect(err).toMatchObject({ status: 503, retryAfterSeconds: 5 });
  });

  it('reads the depth once per 250 ms, shared by concurrent callers', async () => {
    const { bp, calls, advance } = setup([0, 20]);
    await Promise.all(Array.from({ length: 50 }, () => bp.admit()));
    expect(calls.n).toBe(1);
    advance(249);
    await bp.admit();
    expect(calls.n).toBe(1);
    advance(1);
    await expect(bp.admit()).rejects.toBeInstanceOf(UnavailableError);
    expect(calls.n).toBe(2);
  });

  it('refuses (503) when the depth cannot be read, and reads again on the next call', async () => {
    let fail = true;
    let calls = 0;
    const bp = createBackpressure({
      maxDepth: 10,
      depth: async () => {
        calls++;
        if (fail) throw new Error('Connection is closed.');
        return 0;
      },
    });
    await expect(bp.admit()).rejects.toBeInstanceOf(UnavailableError);
    fail = false;
    await expect(bp.admit()).resolves.toBeUndefined();
    expect(calls).toBe(2);
  });
});
