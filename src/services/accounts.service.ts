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
  apiKey: string;
  defaultCountry: string;
}

/** Makes sure the bootstrap account exists and accepts the bootstrap key (stored hashed). */
export async function bootstrapAccount(accounts: AccountRepository, input: BootstrapInput): Promise<Account> {
  const account = await accounts.ensure({
    id: input.account,
    name: input.account,
    defaultCountry: input.defaultCountry,
    statuses: DEFAULT_STATUSES,
    defaultStatus: DEFAULT_STATUSES[0]!,
    fieldDefinitions: DEFAULT_FIELD_DEFINITIONS.map((d) => ({ ...d })),
    createdAt: new Date(),
  });
  await accounts.ensureApiKey({ hash: hashApiKey(input.apiKey), account: account.id, label: 'bootstrap', createdAt: new Date() });
  return account;
}

export interface ApiKeyAuthenticator {
  /** The account the key belongs to, or null. */
  authenticate(key: string): Promise<string | null>;
}

/**
 * Keeps the intake off MongoDB on the hot path: a key's account is cached for a few minutes after
 * the first look-up; unknown keys are cached briefly too, so a flood of bad keys cannot hammer
 * the store.
 */
export function createApiKeyAuthenticator(
  accounts: AccountRepository,
  { ttlMs = 5 * 60_000, negativeTtlMs = 10_000, maxEntries = 10_000 } = {},
): ApiKeyAuthenticator {
  const cache = new Map<string, { account: string | null; expires: number }>();
  return {
    async authenticate(key) {
      const hash = hashApiKey(key);
      const now = Date.now();
      const hit = cache.get(hash);
      if (hit && hit.expires > now) return hit.account;
      const record = await accounts.findApiKey(hash);
      if (cache.size >= maxEntries) cache.clear();
      const account = record?.account ?? null;
      cache.set(hash, { account, expires: now + (account ? ttlMs : negativeTtlMs) });
      return account;
    },
  };
}
