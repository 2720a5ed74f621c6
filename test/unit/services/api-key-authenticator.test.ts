import type { AccountRepository } from '../../../src/repositories';
import { createApiKeyAuthenticator, hashApiKey } from '../../../src/services/accounts.service';

/** A store that only knows one key and counts how often it is asked. */
function fakeStore(knownKey: string) {
  const calls = { n: 0 };
  const accounts = {
    findApiKey: async (hash: string) => {
      calls.n++;
      return hash === hashApiKey(knownKey) ? { hash, account: 'acme', label: 'bootstrap', createdAt: new Date() } : null;
    },
  } as unknown as AccountRepository;
  return { accounts, calls };
}

describe('API key authenticator', () => {
  const good = 'cf_good_key_0123456789abcdef';

  it('answers a known key from its cache after the first look-up', async () => {
    const { accounts, calls } = fakeStore(good);
    const auth = createApiKeyAuthenticator(accounts);
    expect(await auth.authenticate(good)).toBe('acme');
    expect(await auth.authenticate(good)).toBe('acme');
    expect(calls.n).toBe(1);
  });

  it('rejects keys of impossible shape without asking the store', async () => {
    const { accounts, calls } = fakeStore(good);
    const auth = createApiKeyAuthenticator(accounts);
    for (const bad of ['short', 'x'.repeat(300), 'has space inside the key', 'ünïcödé-key-0123456789']) expect(await auth.authenticate(bad)).toBeNull();
    expect(calls.n).toBe(0);
  });

  it('a flood of unknown keys neither reaches the store twice per key nor evicts a real one', async () => {
    const { accounts, calls } = fakeStore(good);
    const auth = createApiKeyAuthenticator(accounts, { maxEntries: 100 });
    await auth.authenticate(good);
    for (let i = 0; i < 1000; i++) expect(await auth.authenticate(`random_key_${i}_abcdefghijkl`)).toBeNull();
    const before = calls.n;
    expect(await auth.authenticate(good)).toBe('acme');
    expect(calls.n).toBe(before); // still cached
    await auth.authenticate('random_key_999_abcdefghijkl');
    expect(calls.n).toBe(before); // the newest unknown keys are cached too
  });

  it('looks a key up again once its cache entry expired (how a revocation takes effect)', async () => {
    const { accounts, calls } = fakeStore(good);
    const auth = createApiKeyAuthenticator(accounts, { ttlMs: 0 });
    await auth.authenticate(good);
    await auth.authenticate(good);
    expect(calls.n).toBe(2);
  });
});
