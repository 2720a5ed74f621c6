import { createMemoryRepositories } from '../../../src/repositories/memory';
import { createWebhookSecretCache, createWebhookSecretsAdmin, setWebhookSecrets } from '../../../src/services/webhook-secrets.service';
import { newAccount } from '../../../src/services/accounts.service';

describe('webhook secrets per (account, provider)', () => {
  const ACCOUNT_WIDE = 'whsec_account_wide_0123456789abcdef';

  async function setup() {
    const repos = createMemoryRepositories();
    await repos.accounts.ensure(newAccount({ id: 'acme', name: 'Acme', defaultCountry: 'US' }));
    await setWebhookSecrets(repos.accounts, 'acme', { current: ACCOUNT_WIDE });
    let now = new Date('2026-11-01T00:00:00Z');
    const admin = createWebhookSecretsAdmin({ accounts: repos.accounts, now: () => now });
    return { repos, admin, cache: () => createWebhookSecretCache(repos.accounts), advance: (ms: number) => (now = new Date(now.getTime() + ms)) };
  }

  it('the account-wide secret applies to every provider until one has its own', async () => {
    const { admin, cache } = await setup();
    expect(await cache().secretsFor('acme', 'chatbot')).toEqual([ACCOUNT_WIDE]);
    const own = await admin.set('acme', 'chatbot', { graceSeconds: 0 });
    expect(await cache().secretsFor('acme', 'chatbot')).toEqual([own.secret]);
    expect(await cache().secretsFor('acme', 'scheduling')).toEqual([ACCOUNT_WIDE]);
    expect(await cache().secretsFor('nobody', 'chatbot')).toEqual([]);
  });

  it('covers the real providers too: OnceHub, Cal.com and Typeform verify with the account-wide secret until each has its own', async () => {
    const { admin, cache } = await setup();
    for (const provider of ['oncehub', 'calendly', 'calcom', 'typeform']) expect(await cache().secretsFor('acme', provider)).toEqual([ACCOUNT_WIDE]);
    const own = await admin.set('acme', 'oncehub', { graceSeconds: 0 });
    expect(await cache().secretsFor('acme', 'oncehub')).toEqual([own.secret]);
    expect(await cache().secretsFor('acme', 'calcom')).toEqual([ACCOUNT_WIDE]);
  });

  it('the replaced secret verifies until its grace period ends, checked per request', async () => {
    jest.useFakeTimers({ now: new Date('2026-11-01T00:00:00Z'), doNotFake: ['setImmediate', 'nextTick'] });
    try {
      const { admin, cache } = await setup();
      const first = await admin.set('acme', 'chatbot', { secret: 'first-secret-0123456789abcdef', graceSeconds: 0 });
      const second = await admin.set('acme', 'chatbot', { secret: 'second-secret-0123456789abcdef', graceSeconds: 60 });
      expect(second.previousExpiresAt).toBe('2026-11-01T00:01:00.000Z');
      const source = cache();
      expect(await source.secretsFor('acme', 'chatbot')).toEqual([second.secret, first.secret]);
      jest.setSystemTime(new Date('2026-11-01T00:01:00Z'));
      // Still within the 5 s cache of the entry? No matter: the expiry is checked on every call.
      expect(await source.secretsFor('acme', 'chatbot')).toEqual([second.secret]);
    } finally {
      jest.useRealTimers();
    }
  });

  it('lists providers with the source of their secret, never a secret', async () => {
    const { admin } = await setup();
    const set = await admin.set('acme', 'routing-form');
    const { data } = await admin.list('acme');
    expect(data).toEqual([
      { provider: 'scheduling', source: 'account', createdAt: null, rotatedAt: null, previousExpiresAt: null },
      { provider: 'chatbot', source: 'account', createdAt: null, rotatedAt: null, previousExpiresAt: null },
      { provider: 'routing-form', source: 'provider', createdAt: set.createdAt, rotatedAt: set.rotatedAt, previousExpiresAt: set.previousExpiresAt },
      { provider: 'oncehub', source: 'account', createdAt: null, rotatedAt: null, previousExpiresAt: null },
      { provider: 'calendly', source: 'account', createdAt: null, rotatedAt: null, previousExpiresAt: null },
      { provider: 'calcom', source: 'account', createdAt: null, rotatedAt: null, previousExpiresAt: null },
      { provider: 'typeform', source: 'account', createdAt: null, rotatedAt: null, previousExpiresAt: null },
    ]);
    expect(JSON.stringify(data)).not.toContain(set.secret);
    expect(JSON.stringify(data)).not.toContain(ACCOUNT_WIDE);
  });

  it('concurrent rotations each end with one current secret and its predecessor', async () => {
    const { admin, repos } = await setup();
    const results = await Promise.all(['a', 'b', 'c'].map((c) => admin.set('acme', 'chatbot', { secret: c.repeat(30) })));
    const stored = (await repos.accounts.findProviderSecret('acme', 'chatbot'))!;
    expect(results.map((r) => r.secret)).toContain(stored.secret);
    expect(stored.version).toBe(3);
    expect(stored.previous).not.toBeNull();
  });
});

describe('the webhook secret cache under a flood of unknown account ids', () => {
  it('evicts the least recently used entries, never the whole cache: a known account stays cached', async () => {
    const repos = createMemoryRepositories();
    await repos.accounts.ensure(newAccount({ id: 'acme', name: 'Acme', defaultCountry: 'US' }));
    await setWebhookSecrets(repos.accounts, 'acme', { current: 'whsec_account_wide_0123456789abcdef' });
    let reads = 0;
    const real = repos.accounts.findWebhookSecrets.bind(repos.accounts);
    repos.accounts.findWebhookSecrets = async (account: string) => {
      if (account === 'acme') reads++;
      return real(account);
    };
    const cache = createWebhookSecretCache(repos.accounts, { maxEntries: 10 });
    await cache.secretsFor('acme', 'chatbot');
    for (let i = 0; i < 100; i++) {
      await cache.secretsFor(`bogus-${i}`, 'chatbot');
      // The real sender keeps sending: its entry stays the most recently used.
      await cache.secretsFor('acme', 'chatbot');
    }
    expect(reads).toBe(1);
  });
});
