import type { AccountRepository, ApiKeyRecord } from '../repositories';
import { AppError, NotFoundError, ValidationError } from '../shared/errors';
import { apiKeyIdOf, generateApiKey, hashApiKey } from './accounts.service';

/** Keys per account: enough for every integration, few enough to list and scan on revocation. */
export const MAX_API_KEYS_PER_ACCOUNT = 100;
export const API_KEY_LABEL_MAX = 100;
/** bootstrapApiKey revokes every other key with this label at start (rotation): not for operators. */
const RESERVED_LABEL = 'bootstrap';

export interface ApiKeyView {
  id: string;
  label: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  expired: boolean;
}

export interface CreatedApiKey extends ApiKeyView {
  /** Shown once: only its sha256 is stored. */
  key: string;
}

function toView(k: ApiKeyRecord, now: Date): ApiKeyView {
  return {
    id: apiKeyIdOf(k.hash),
    label: k.label,
    createdAt: k.createdAt.toISOString(),
    expiresAt: k.expiresAt ? k.expiresAt.toISOString() : null,
    lastUsedAt: k.lastUsedAt ? k.lastUsedAt.toISOString() : null,
    expired: k.expiresAt ? k.expiresAt.getTime() <= now.getTime() : false,
  };
}

export interface ApiKeysDeps {
  accounts: AccountRepository;
  /** The API key cache of this process, so a revoked key is refused here at once. */
  onRevoked?(hash: string): void;
  now?(): Date;
}

/**
 * An account's API keys, for the admin API and `npm run admin`. A key is shown once, when created;
 * its id (`key_…`) is derived from the stored hash and reveals neither. A revoked key is deleted;
 * every API process refuses it within SETTINGS_CACHE_TTL_MS (5 s), as it refuses an expired one.
 */
export function createApiKeysService(deps: ApiKeysDeps) {
  const { accounts } = deps;
  const now = deps.now ?? (() => new Date());

  async function assertAccount(account: string): Promise<void> {
    if (!(await accounts.findById(account))) throw new NotFoundError('account');
  }

  async function keysOf(account: string): Promise<ApiKeyRecord[]> {
    const keys = await accounts.listApiKeys(account, MAX_API_KEYS_PER_ACCOUNT + 1);
    return keys.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.hash < b.hash ? -1 : 1));
  }

  return {
    async create(account: string, input: { label: string; expiresAt?: Date | undefined }): Promise<CreatedApiKey> {
      const label = input.label.trim();
      if (label === '' || label.length > API_KEY_LABEL_MAX || /\p{Cc}/u.test(label)) {
        throw new ValidationError('Invalid label', [{ path: 'label', message: `1 to ${API_KEY_LABEL_MAX} characters, no control characters` }]);
      }
      if (label.toLowerCase() === RESERVED_LABEL) {
        throw new ValidationError('The label "bootstrap" is reserved', [{ path: 'label', message: 'reserved for BOOTSTRAP_API_KEY, which replaces such keys at start' }]);
      }
      const at = now();
      if (input.expiresAt && input.expiresAt.getTime() <= at.getTime()) {
        throw new ValidationError('expiresAt is in the past', [{ path: 'expiresAt', message: 'must be in the future' }]);
      }
      await assertAccount(account);
      // Soft under concurrent creates (by at most their number): a bound on size, not an invariant.
      if ((await accounts.listApiKeys(account, MAX_API_KEYS_PER_ACCOUNT)).length >= MAX_API_KEYS_PER_ACCOUNT) {
        throw new AppError('too_many_api_keys', `An account has at most ${MAX_API_KEYS_PER_ACCOUNT} API keys: revoke one first`, 409);
      }
      const key = generateApiKey();
      const record: ApiKeyRecord = { hash: hashApiKey(key), account, label, createdAt: at, ...(input.expiresAt ? { expiresAt: input.expiresAt } : {}) };
      await accounts.ensureApiKey(record);
      return { ...toView(record, at), key };
    },

    async list(account: string): Promise<{ data: ApiKeyView[] }> {
      await assertAccount(account);
      const at = now();
      return { data: (await keysOf(account)).map((k) => toView(k, at)) };
    },

    async revoke(account: string, keyId: string): Promise<void> {
      await assertAccount(account);
      const key = (await keysOf(account)).find((k) => apiKeyIdOf(k.hash) === keyId);
      if (!key || !(await accounts.deleteApiKey(account, key.hash))) throw new NotFoundError('API key');
      deps.onRevoked?.(key.hash);
    },
  };
}

export type ApiKeysService = ReturnType<typeof createApiKeysService>;
