import { randomBytes } from 'node:crypto';
import type { AccountRepository, WebhookSecretRecord } from '../repositories';

/** At most two secrets are active: the current one and, during a rotation, the previous one. */
export const MAX_ACTIVE_WEBHOOK_SECRETS = 2;

export function generateWebhookSecret(): string {
  return 'whsec_' + randomBytes(32).toString('base64url');
}

/** Makes `current` (and `previous`, while senders switch over) the account's only active secrets. */
export async function setWebhookSecrets(
  accounts: AccountRepository,
  account: string,
  { current, previous }: { current: string; previous?: string | undefined },
): Promise<void> {
  const now = new Date();
  const secrets: WebhookSecretRecord[] = [{ secret: current, label: 'current', createdAt: now }];
  if (previous && previous !== current) secrets.push({ secret: previous, label: 'previous', createdAt: now });
  await accounts.setWebhookSecrets(account, secrets.slice(0, MAX_ACTIVE_WEBHOOK_SECRETS));
}

export interface WebhookSecretSource {
  /** The account's active secrets; empty for an unknown account or one without secrets. */
  secretsFor(account: string): Promise<string[]>;
}

/**
 * Keeps webhook intake off MongoDB on the hot path, like the API key authenticator: an account's
 * secrets are cached for a minute (a rotation is therefore live within `ttlMs`, which is why the
 * previous secret stays active during one), unknown accounts for a few seconds, and concurrent
 * misses for one account share a single look-up.
 */
export function createWebhookSecretCache(
  accounts: AccountRepository,
  { ttlMs = 60_000, negativeTtlMs = 10_000, maxEntries = 10_000 } = {},
): WebhookSecretSource {
  const cache = new Map<string, { secrets: string[]; expires: number }>();
  const inFlight = new Map<string, Promise<string[]>>();
  return {
    async secretsFor(account) {
      const hit = cache.get(account);
      if (hit && hit.expires > Date.now()) return hit.secrets;
      let pending = inFlight.get(account);
      if (!pending) {
        pending = accounts
          .findWebhookSecrets(account)
          .then((records) => {
            const secrets = records.slice(0, MAX_ACTIVE_WEBHOOK_SECRETS).map((r) => r.secret);
            if (cache.size >= maxEntries) cache.clear();
            cache.set(account, { secrets, expires: Date.now() + (secrets.length > 0 ? ttlMs : negativeTtlMs) });
            return secrets;
          })
          .finally(() => inFlight.delete(account));
        inFlight.set(account, pending);
      }
      return pending;
    },
  };
}
