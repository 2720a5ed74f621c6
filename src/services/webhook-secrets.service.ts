import { randomBytes } from 'node:crypto';
import type { AccountRepository, ProviderSecretRecord, WebhookSecretRecord } from '../repositories';
import { AppError, ContentionError, NotFoundError, ValidationError } from '../shared/errors';
import { SETTINGS_CACHE_TTL_MS } from './accounts.service';
import { PROVIDER_NAMES } from './mappers';
import { LruCache } from '../shared/lru-cache';

/**
 * Webhook signing secrets, two kinds:
 *  - per (account, provider), set by an operator (PUT /admin/accounts/{id}/webhook-secrets/{provider},
 *    `npm run admin -- secrets …`): the current one and, for a grace period after a rotation, the
 *    previous one;
 *  - account-wide, the bootstrap account's WEBHOOK_SECRET (+ WEBHOOK_SECRET_PREVIOUS): it signs for
 *    every provider that has no secret of its own yet.
 * A request verifies against the provider's own secrets when it has any, else the account-wide ones.
 */

/** At most two account-wide secrets are active: the current one and, during a rotation, the previous one. */
export const MAX_ACTIVE_WEBHOOK_SECRETS = 2;
/** How long a replaced provider secret keeps verifying by default: a day to switch every sender over. */
export const DEFAULT_SECRET_GRACE_SECONDS = 86_400;
export const MAX_SECRET_GRACE_SECONDS = 7 * 86_400;
/** What an operator's own secret must look like: printable ASCII without spaces, long enough to guess at. */
export const WEBHOOK_SECRET_SHAPE = /^[\x21-\x7e]{24,256}$/;

export function generateWebhookSecret(): string {
  return 'whsec_' + randomBytes(32).toString('base64url');
}

/** Makes `current` (and `previous`, while senders switch over) the account's only active account-wide secrets. */
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
  /** The secrets a request from `provider` for `account` may be signed with; empty when none. */
  secretsFor(account: string, provider: string): Promise<string[]>;
  /** Drops the account from this process's cache at once (other processes: within the TTL). */
  invalidate?(account: string): void;
}

interface CachedSecrets {
  providers: Map<string, { secret: string; previous: { secret: string; expiresAt: number } | null }>;
  accountWide: string[];
  expires: number;
}

/** The secrets in force now: the provider's own (previous one until its expiry), else the account-wide ones. */
function activeSecrets(entry: CachedSecrets, provider: string, now: number): string[] {
  const own = entry.providers.get(provider);
  if (!own) return entry.accountWide;
  return own.previous && own.previous.expiresAt > now ? [own.secret, own.previous.secret] : [own.secret];
}

/**
 * Keeps webhook intake off MongoDB on the hot path, like the API key authenticator: an account's
 * secrets (every provider's and the account-wide ones, two point reads) are cached for `ttlMs`
 * (5 s), so a new or rotated secret verifies on every API process within that bound; accounts
 * without any secret (unknown ids included) are cached as long, so a flood of them costs one look-up
 * per id and 5 s, and concurrent misses for one account share one look-up.
 * A previous secret's expiry is checked on every request, not only when the cache fills.
 */
export function createWebhookSecretCache(
  accounts: AccountRepository,
  { ttlMs = SETTINGS_CACHE_TTL_MS, negativeTtlMs = SETTINGS_CACHE_TTL_MS, maxEntries = 10_000 } = {},
): WebhookSecretSource {
  // Least recently used entries go first: a flood of bogus account ids cannot evict the real ones.
  const cache = new LruCache<CachedSecrets>(maxEntries);
  const inFlight = new Map<string, Promise<CachedSecrets>>();

  async function load(account: string): Promise<CachedSecrets> {
    const [own, accountWide] = await Promise.all([accounts.listProviderSecrets(account), accounts.findWebhookSecrets(account)]);
    const entry: CachedSecrets = {
      providers: new Map(
        own.map((r) => [r.provider, { secret: r.secret, previous: r.previous ? { secret: r.previous.secret, expiresAt: r.previous.expiresAt.getTime() } : null }]),
      ),
      accountWide: accountWide.slice(0, MAX_ACTIVE_WEBHOOK_SECRETS).map((r) => r.secret),
      expires: 0,
    };
    entry.expires = Date.now() + (own.length > 0 || accountWide.length > 0 ? ttlMs : negativeTtlMs);
    cache.set(account, entry, entry.expires);
    return entry;
  }

  return {
    async secretsFor(account, provider) {
      const hit = cache.get(account, Date.now());
      if (hit) return activeSecrets(hit, provider, Date.now());
      let pending = inFlight.get(account);
      if (!pending) {
        pending = load(account).finally(() => inFlight.delete(account));
        inFlight.set(account, pending);
      }
      return activeSecrets(await pending, provider, Date.now());
    },
    invalidate(account) {
      cache.delete(account);
    },
  };
}

/** What the admin API shows of a provider's secret: never the secret itself. */
export interface ProviderSecretView {
  provider: string;
  /** provider: its own secret; account: the account-wide (WEBHOOK_SECRET) one applies; none: requests are refused. */
  source: 'provider' | 'account' | 'none';
  createdAt: string | null;
  rotatedAt: string | null;
  /** Until when the replaced secret still verifies; null when there is none (or it expired). */
  previousExpiresAt: string | null;
}

export interface ProviderSecretSet {
  provider: string;
  /** Shown once: only its holder can sign from now on. */
  secret: string;
  createdAt: string;
  rotatedAt: string;
  previousExpiresAt: string | null;
}

export interface WebhookSecretsAdminDeps {
  accounts: AccountRepository;
  /** The intake's cache in this process, so a new secret verifies here at once. */
  onSecretsChanged?(account: string): void;
  now?(): Date;
}

const MAX_ROUNDS = 5;

/** The operator's side of per-provider secrets: set or generate (a rotation), list without secrets. */
export function createWebhookSecretsAdmin(deps: WebhookSecretsAdminDeps) {
  const { accounts } = deps;
  const now = deps.now ?? (() => new Date());

  function assertProvider(provider: string): void {
    if (!PROVIDER_NAMES.includes(provider)) {
      throw new AppError('unknown_provider', `No webhook provider "${provider.slice(0, 64)}" (known: ${PROVIDER_NAMES.join(', ')})`, 404);
    }
  }

  async function assertAccount(account: string): Promise<void> {
    if (!(await accounts.findById(account))) throw new NotFoundError('account');
  }

  return {
    providers: PROVIDER_NAMES,

    /**
     * Makes `secret` (or a generated one) the provider's current secret. The one it replaces keeps
     * verifying for `graceSeconds` (default a day; 0 ends it at once, e.g. after a leak). The first
     * secret of a provider that was covered by the account-wide secret keeps that one verifying
     * for the grace period in the same way, so senders configured with it are not cut off.
     */
    async set(account: string, provider: string, input: { secret?: string | undefined; graceSeconds?: number | undefined } = {}): Promise<ProviderSecretSet> {
      assertProvider(provider);
      if (input.secret !== undefined && !WEBHOOK_SECRET_SHAPE.test(input.secret)) {
        throw new ValidationError('Invalid secret', [{ path: 'secret', message: '24 to 256 printable ASCII characters, no spaces' }]);
      }
      const grace = input.graceSeconds ?? DEFAULT_SECRET_GRACE_SECONDS;
      if (!Number.isInteger(grace) || grace < 0 || grace > MAX_SECRET_GRACE_SECONDS) {
        throw new ValidationError('Invalid grace period', [{ path: 'graceSeconds', message: `an integer from 0 to ${MAX_SECRET_GRACE_SECONDS}` }]);
      }
      await assertAccount(account);
      const secret = input.secret ?? generateWebhookSecret();
      for (let round = 0; round < MAX_ROUNDS; round++) {
        const at = now();
        const current = await accounts.findProviderSecret(account, provider);
        const replaced = current ? current.secret : (await accounts.findWebhookSecrets(account))[0]?.secret;
        const previous = grace > 0 && replaced !== undefined && replaced !== secret ? { secret: replaced, expiresAt: new Date(at.getTime() + grace * 1000) } : null;
        const record: ProviderSecretRecord = {
          account,
          provider,
          secret,
          createdAt: current?.createdAt ?? at,
          rotatedAt: at,
          previous,
          version: (current?.version ?? 0) + 1,
        };
        if (await accounts.putProviderSecret(record, current?.version ?? 0)) {
          deps.onSecretsChanged?.(account);
          return {
            provider,
            secret,
            createdAt: record.createdAt.toISOString(),
            rotatedAt: record.rotatedAt.toISOString(),
            previousExpiresAt: previous ? previous.expiresAt.toISOString() : null,
          };
        }
      }
      throw new ContentionError(`the ${provider} secret of account ${account} changed concurrently; retry`);
    },

    /** Every known provider, with where its secret comes from. */
    async list(account: string): Promise<{ data: ProviderSecretView[] }> {
      await assertAccount(account);
      const [own, accountWide] = await Promise.all([accounts.listProviderSecrets(account), accounts.findWebhookSecrets(account)]);
      const at = now().getTime();
      const byProvider = new Map(own.map((r) => [r.provider, r]));
      return {
        data: PROVIDER_NAMES.map((provider): ProviderSecretView => {
          const r = byProvider.get(provider);
          if (!r) return { provider, source: accountWide.length ? 'account' : 'none', createdAt: null, rotatedAt: null, previousExpiresAt: null };
          const previousExpiresAt = r.previous && r.previous.expiresAt.getTime() > at ? r.previous.expiresAt.toISOString() : null;
          return { provider, source: 'provider', createdAt: r.createdAt.toISOString(), rotatedAt: r.rotatedAt.toISOString(), previousExpiresAt };
        }),
      };
    },
  };
}

export type WebhookSecretsAdmin = ReturnType<typeof createWebhookSecretsAdmin>;
