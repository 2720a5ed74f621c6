import type { AccountRepository, ApiKeyRecord } from '../../../src/repositories';
import { apiKeyIdOf, createApiKeyAuthenticator, hashApiKey, LAST_USED_RESOLUTION_MS, SETTINGS_CACHE_TTL_MS } from '../../../src/services/accounts.service';

/** A store with one key, counting look-ups and recording touches; the clock is the test's. */
function fakeStore(key: string, over: Partial<ApiKeyRecord> = {}) {
  const calls = { find: 0, touches: [] as number[] };
  let record: ApiKeyRecord | null = { hash: hashApiKey(key), account: 'acme', label: 'k', createdAt: new Date(0), ...over };
  const accounts = {
    findApiKey: async (hash: string) => {
      calls.find++;
      return record && hash === record.hash ? { ...record } : null;
    },
    touchApiKey: async (_hash: string, at: Date) => {
      calls.touches.push(at.getTime());
    },
  } as unknown as AccountRepository;
  return { accounts, calls, revoke: () => (record = null) };
}

describe('API key authenticator: revocation, expiry, last use', () => {
  const key = 'cf_expiring_key_0123456789abcdef';
  let now = 1_000_000;
  const clock = () => now;
  const flush = () => new Promise((r) => setImmediate(r));

  it('trusts its cache for 5 s by default: a revoked key is refused once that passed', async () => {
    expect(SETTINGS_CACHE_TTL_MS).toBe(5_000);
    const { accounts, revoke } = fakeStore(key);
    const auth = createApiKeyAuthenticator(accounts, { now: clock });
    expect(await auth.authenticate(key)).toBe('acme');
    revoke();
    now += SETTINGS_CACHE_TTL_MS - 1;
    expect(await auth.authenticate(key)).toBe('acme');
    now += 1;
    expect(await auth.authenticate(key)).toBeNull();
  });

  it('forget(hash) drops a revoked key from this process at once', async () => {
    const { accounts, revoke } = fakeStore(key);
    const auth = createApiKeyAuthenticator(accounts, { now: clock });
    await auth.authenticate(key);
    revoke();
    auth.forget!(hashApiKey(key));
    expect(await auth.authenticate(key)).toBeNull();
  });

  it('refuses an expired key, and caches a valid one no later than its expiry', async () => {
    const { accounts, calls } = fakeStore(key, { expiresAt: new Date(now + 1_000) });
    const auth = createApiKeyAuthenticator(accounts, { now: clock });
    expect(await auth.authenticate(key)).toBe('acme');
    now += 999;
    expect(await auth.authenticate(key)).toBe('acme');
    expect(calls.find).toBe(1);
    now += 1;
    expect(await auth.authenticate(key)).toBeNull();
    const expired = fakeStore(key, { expiresAt: new Date(now - 1) });
    expect(await createApiKeyAuthenticator(expired.accounts, { now: clock }).authenticate(key)).toBeNull();
  });

  it('records a use at most once a minute per key, and never waits for it', async () => {
    const { accounts, calls } = fakeStore(key, { lastUsedAt: new Date(now - 10_000) });
    const auth = createApiKeyAuthenticator(accounts, { now: clock });
    await auth.authenticate(key);
    await flush();
    expect(calls.touches).toEqual([]); // the stored use is recent enough
    for (let i = 0; i < 30; i++) {
      now += 5_000;
      await auth.authenticate(key);
    }
    await flush();
    // 150 s of steady use: one write when the stored use turned a minute old (50 s in), one a minute later.
    expect(calls.touches.length).toBe(2);
    expect(calls.touches[1]! - calls.touches[0]!).toBeGreaterThanOrEqual(LAST_USED_RESOLUTION_MS);
  });

  it('a failing touch does not fail authentication', async () => {
    const { accounts } = fakeStore(key);
    (accounts as unknown as { touchApiKey: () => Promise<void> }).touchApiKey = async () => {
      throw new Error('store down');
    };
    expect(await createApiKeyAuthenticator(accounts, { now: clock }).authenticate(key)).toBe('acme');
    await flush();
  });

  it('a key id is neither the key nor its hash, and is stable', () => {
    const hash = hashApiKey(key);
    expect(apiKeyIdOf(hash)).toMatch(/^key_[0-9a-f]{24}$/);
    expect(apiKeyIdOf(hash)).toBe(apiKeyIdOf(hash));
    expect(hash).not.toContain(apiKeyIdOf(hash).slice(4));
  });
});
