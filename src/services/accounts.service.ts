import { createHash, randomBytes } from 'node:crypto';
import { DEFAULT_FIELD_DEFINITIONS } from '../domain';
import type { Account, AccountRepository } from '../repositories';

export const DEFAULT_STATUSES = ['new', 'contacted', 'qualified', 'customer', 'lost'];

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function generateApiKey(): string {
  return 'cf_' + randomBytes(24).toString('base64url');
}

export interface BootstrapInput {
  account: string;
  defaultCountry: string;
}

/** Makes sure the bootstrap account exists. An existing account is left as it is. */
export async function bootstrapAccount(accounts: AccountRepository, input: BootstrapInput): Promise<Account> {
  return accounts.ensure({
    id: input.account,
    name: input.account,
    defaultCountry: input.defaultCountry,
    statuses: DEFAULT_STATUSES,
    defaultStatus: DEFAULT_STATUSES[0]!,
    fieldDefinitions: DEFAULT_FIELD_DEFINITIONS.map((d) => ({ ...d })),
    createdAt: new Date(),
  });
}

/**
 * The bootstrap key is the account's only "bootstrap" key: it is stored (hashed) and every other
 * bootstrap key of the account is revoked, so changing BOOTSTRAP_API_KEY rotates a leaked key.
 * Running API processes stop accepting the old key once their cache entry expires (a minute).
 */
export async function bootstrapApiKey(accounts: AccountRepository, account: string, apiKey: string): Promise<void> {
  const hash = hashApiKey(apiKey);
  await accounts.ensureApiKey({ hash, account, label: 'bootstrap', createdAt: new Date() });
  await accounts.revokeApiKeys(account, 'bootstrap', hash);
}

export interface ApiKeyAuthenticator {
  /** The account the key belongs to, or null. */
  authenticate(key: string): Promise<string | null>;
}

// What a key can look like at all: anything else is rejected without a store look-up.
const API_KEY_SHAPE = /^[\x21-\x7e]{16,256}$/;

/**
 * Keeps the intake off MongoDB on the hot path: a key's account is cached for a minute after the
 * first look-up. Unknown keys are cached apart, briefly, in their own bounded cache, so a flood of
 * random keys can neither hammer the store nor evict the keys real clients use.
 */
export function createApiKeyAuthenticator(
  accounts: AccountRepository,
  { ttlMs = 60_000, negativeTtlMs = 10_000, maxEntries = 10_000 } = {},
): ApiKeyAuthenticator {
  const known = new LruCache<string>(maxEntries);
  const unknown = new LruCache<true>(maxEntries);
  return {
    async authenticate(key) {
      if (!API_KEY_SHAPE.test(key)) return null;
      // Cached by the key as sent: a hit costs no sha256. The process holds each request's key in
      // memory anyway; only the store keeps hashes alone.
      const now = Date.now();
      const hit = known.get(key, now);
      if (hit !== undefined) return hit;
      if (unknown.get(key, now)) return null;
      const record = await accounts.findApiKey(hashApiKey(key));
      if (record) known.set(key, record.account, now + ttlMs);
      else unknown.set(key, true, now + negativeTtlMs);
      return record?.account ?? null;
    },
  };
}

/** A small least-recently-used map with per-entry expiry (Map keeps insertion order). */
class LruCache<V> {
  private readonly entries = new Map<string, { value: V; expires: number }>();
  constructor(private readonly max: number) {}

  get(key: string, now: number): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    this.entries.delete(key);
    if (e.expires <= now) return undefined;
    this.entries.set(key, e);
    return e.value;
  }

  set(key: string, value: V, expires: number) {
    this.entries.delete(key);
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { value, expires });
  }
}

/**
 * Workers read the account (default country, statuses, field definitions) for every job; a few
 * seconds of staleness is harmless and saves one store round trip per activity.
 */
export function createAccountCache(accounts: AccountRepository, ttlMs = 30_000): (id: string) => Promise<Account | null> {
  const cache = new LruCache<Account>(10_000);
  return async (id) => {
    const now = Date.now();
    const hit = cache.get(id, now);
    if (hit) return hit;
    const account = await accounts.findById(id);
    if (account) cache.set(id, account, now + ttlMs);
    return account;
  };
}
