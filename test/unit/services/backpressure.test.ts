import { createBackpressure, parseMemoryInfo } from '../../../src/services/backpressure';
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

  it('gives each account a share of the depth: one account at its share is refused, another is still accepted', async () => {
    const depths: Record<string, number> = { noisy: 50, quiet: 3 };
    const bp = createBackpressure({ maxDepth: 100, depth: async () => 53, accountDepth: async (a) => depths[a] ?? 0, maxAccountDepth: 50 });
    await expect(bp.admit(1, 'noisy')).rejects.toThrow(/its share of the queue is 50/);
    await expect(bp.admit(1, 'quiet')).resolves.toBeUndefined();
    await expect(bp.admit(47, 'quiet')).resolves.toBeUndefined();
    await expect(bp.admit(48, 'quiet')).rejects.toBeInstanceOf(UnavailableError); // its own share too
  });

  it('refuses once Redis memory reaches the high-water mark, and ignores memory without a maxmemory', async () => {
    let mem = { used: 790, max: 1000 };
    const bp = createBackpressure({ maxDepth: 100, depth: async () => 0, memory: async () => mem, maxMemoryRatio: 0.8, cacheMs: 0 });
    await expect(bp.admit()).resolves.toBeUndefined();
    mem = { used: 800, max: 1000 };
    await expect(bp.admit()).rejects.toThrow(/memory is nearly full/);
    mem = { used: 5_000_000, max: 0 };
    await expect(bp.admit()).resolves.toBeUndefined();
  });

  it('reads used_memory and maxmemory from INFO memory', () => {
    expect(parseMemoryInfo('# Memory\r\nused_memory:1048576\r\nused_memory_human:1.00M\r\nmaxmemory:4194304\r\n')).toEqual({ used: 1048576, max: 4194304 });
  });
});
