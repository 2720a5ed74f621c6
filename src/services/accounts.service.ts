import { createHash, randomBytes } from 'node:crypto';
import { DEFAULT_FIELD_DEFINITIONS, defaultStatusSettings } from '../domain';
import type { Account, AccountRepository } from '../repositories';
import { LruCache } from '../shared/lru-cache';

/**
 * How long an API process trusts what it read about a key or an account (API keys, the account's
 * settings as the worker and the API see them, webhook secrets): a revoked or expired key, a new
 * field or status, a rotated secret are live on every process within this bound.
 */
export const SETTINGS_CACHE_TTL_MS = 5_000;

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/**
 * The public id of a key: derived from its hash (so keys stored before ids existed have one too,
 * and nothing needs storing), one-way, so the id reveals neither the key nor its hash.
 */
export function apiKeyIdOf(hash: string): string {
  return 'key_' + createHash('sha256').update(`contactflow api key id\0${hash}`).digest('hex').slice(0, 24);
}

export function generateApiKey(): string {
  return 'cf_' + randomBytes(24).toString('base64url');
}

export interface BootstrapInput {
  account: string;
  defaultCountry: string;
}

/** What a new account starts with: the qualification pipeline of statuses and the default contact fields. */
export function newAccount(input: { id: string; name: string; defaultCountry: string; createdAt?: Date }): Account {
  const statuses = defaultStatusSettings();
  return {
    id: input.id,
    name: input.name,
    defaultCountry: input.defaultCountry,
    statuses: [...statuses.statuses],
    statusLabels: { ...statuses.labels },
    defaultStatus: statuses.defaultStatus,
    fieldDefinitions: DEFAULT_FIELD_DEFINITIONS.map((d) => ({ ...d, ...(d.sourceNames ? { sourceNames: [...d.sourceNames] } : {}) })),
    createdAt: input.createdAt ?? new Date(),
  };
}

/** Makes sure the bootstrap account exists. An existing account is left as it is. */
export async function bootstrapAccount(accounts: AccountRepository, input: BootstrapInput): Promise<Account> {
  return accounts.ensure(newAccount({ id: input.account, name: input.account, defaultCountry: input.defaultCountry }));
}

/**
 * The bootstrap key is the account's only "bootstrap" key: it is stored (hashed) and every other
 * bootstrap key of the account is revoked, so changing BOOTSTRAP_API_KEY rotates a leaked key.
 * Running API processes stop accepting the old key once their cache entry expires (SETTINGS_CACHE_TTL_MS).
 */
export async function bootstrapApiKey(accounts: AccountRepository, account: string, apiKey: string): Promise<void> {
  const hash = hashApiKey(apiKey);
  await accounts.ensureApiKey({ hash, account, label: 'bootstrap', createdAt: new Date() });
  await accounts.revokeApiKeys(account, 'bootstrap', hash);
}

export interface ApiKeyAuthenticator {
  /** The account the key belongs to, or null. */
  authenticate(key: string): Promise<string | null>;
  /** Drops a revoked key from this process's cache at once (other processes: within the TTL). */
  forget?(hash: string): void;
}

// What a key can look like at all: anything else is rejected without a store look-up.
const API_KEY_SHAPE = /^[\x21-\x7e]{16,256}$/;

/** lastUsedAt is written at most this often per key and process: a use is a fact, not a counter. */
export const LAST_USED_RESOLUTION_MS = 60_000;

interface KnownKey {
  account: string;
  hash: string;
  /** The key's lastUsedAt as the store had it when this entry was read (ms; 0: never). */
  storedLastUse: number;
}

/**
 * Keeps the intake off MongoDB on the hot path: a key's account is cached for `ttlMs` (5 s) after a
 * look-up, so one store read per key and process every 5 s, and a revoked key is refused on every
 * process within that bound. An expiring key is cached no later than its expiry. Unknown keys are
 * cached apart, briefly, in their own bounded cache, so a flood of random keys can neither hammer
 * the store nor evict the keys real clients use.
 */
export function createApiKeyAuthenticator(
  accounts: AccountRepository,
  { ttlMs = SETTINGS_CACHE_TTL_MS, negativeTtlMs = 10_000, maxEntries = 10_000, now: clock = Date.now } = {},
): ApiKeyAuthenticator {
  const known = new LruCache<KnownKey>(maxEntries);
  const unknown = new LruCache<true>(maxEntries);
  // Keys (by hash) this process recorded a use of within the resolution: outlives `known`'s short
  // entries, so a refresh of the key every 5 s does not mean a write every 5 s.
  const touched = new LruCache<true>(maxEntries);

  // Fire and forget: authentication never waits for (nor fails with) this write.
  const touch = (entry: KnownKey, now: number) => {
    if (now - entry.storedLastUse < LAST_USED_RESOLUTION_MS || touched.get(entry.hash, now)) return;
    touched.set(entry.hash, true, now + LAST_USED_RESOLUTION_MS);
    void Promise.resolve()
      .then(() => accounts.touchApiKey(entry.hash, new Date(now)))
      .catch(() => {});
  };

  return {
    async authenticate(key) {
      if (!API_KEY_SHAPE.test(key)) return null;
      // Cached by the key as sent: a hit costs no sha256. The process holds each request's key in
      // memory anyway; only the store keeps hashes alone.
      const now = clock();
      const hit = known.get(key, now);
      if (hit !== undefined) {
        touch(hit, now);
        return hit.account;
      }
      if (unknown.get(key, now)) return null;
      const hash = hashApiKey(key);
      const record = await accounts.findApiKey(hash);
      const expiresAt = record?.expiresAt ? record.expiresAt.getTime() : Number.POSITIVE_INFINITY;
      if (!record || expiresAt <= now) {
        unknown.set(key, true, now + negativeTtlMs);
        return null;
      }
      const entry: KnownKey = { account: record.account, hash, storedLastUse: record.lastUsedAt ? record.lastUsedAt.getTime() : 0 };
      known.set(key, entry, Math.min(now + ttlMs, expiresAt));
      touch(entry, now);
      return record.account;
    },
    forget(hash) {
      known.deleteWhere((entry) => entry.hash === hash);
    },
  };
}

/** An account look-up through a cache, and a way to drop an entry this process knows changed. */
export type AccountCache = ((id: string) => Promise<Account | null>) & { invalidate(id: string): void };

/**
 * Workers read the account (default country, statuses, field definitions) for every job; a few
 * seconds of staleness is harmless and saves one store round trip per activity. An operator's
 * change reaches every process within `ttlMs` (5 s), and the process that made it at once.
 */
export function createAccountCache(accounts: AccountRepository, ttlMs = SETTINGS_CACHE_TTL_MS): AccountCache {
  const cache = new LruCache<Account>(10_000);
  const find = async (id: string) => {
    const now = Date.now();
    const hit = cache.get(id, now);
    if (hit) return hit;
    const account = await accounts.findById(id);
    if (account) cache.set(id, account, now + ttlMs);
    return account;
  };
  return Object.assign(find, { invalidate: (id: string) => cache.delete(id) });
}
