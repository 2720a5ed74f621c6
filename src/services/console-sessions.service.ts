import { createHash, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import type { AccountRepository } from '../repositories';
import { LruCache } from '../shared/lru-cache';
import { SETTINGS_CACHE_TTL_MS, hashApiKey } from './accounts.service';

/** Idle lifetime of a console session: each use extends it by this much. */
export const CONSOLE_SESSION_IDLE_MS = 8 * 60 * 60 * 1000;

/** What a signed-in console user is: an account's operator (through one of its API keys) or the admin. */
export type ConsolePrincipal = { kind: 'operator'; account: string } | { kind: 'admin' };

export interface ConsoleSession {
  principal: ConsolePrincipal;
  /** Must come back in X-CSRF-Token on every state-changing request. */
  csrfToken: string;
  createdAt: string;
}

/** What is kept in Redis: never the API key or the password, only one-way derivations of them. */
interface StoredSession {
  kind: 'operator' | 'admin';
  account?: string;
  /** sha256 of the API key, what the store indexes keys by: a revoked key ends the session. */
  keyHash?: string;
  /** scrypt of ADMIN_PASSWORD: a changed password ends every admin session. */
  adminFingerprint?: string;
  csrfToken: string;
  createdAt: string;
}

/** The few Redis commands sessions need (ioredis fits). */
export interface SessionRedis {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, px: 'PX', ms: number): Promise<unknown>;
  pexpire(key: string, ms: number): Promise<unknown>;
  del(key: string): Promise<unknown>;
}

export interface ConsoleSessionsDeps {
  redis: SessionRedis;
  /** Namespaces the keys (the app's REDIS_PREFIX). */
  prefix: string;
  accounts: Pick<AccountRepository, 'findApiKey'>;
  /** Checks an API key the way the /v1 routes do (cached, expiry-aware): the account, or null. */
  authenticate(key: string): Promise<string | null>;
  adminPassword: string | undefined;
  idleMs?: number;
  now?(): number;
}

/**
 * Server-side console sessions. The browser holds only a random id; Redis holds its sha256, so a
 * dump of Redis gives no usable cookie. An operator session re-checks its API key (by hash, cached
 * SETTINGS_CACHE_TTL_MS like the API's own key cache), so revoking or expiring the key ends the
 * session within the same 5 s the API honours.
 */
export function createConsoleSessions(deps: ConsoleSessionsDeps) {
  const idleMs = deps.idleMs ?? CONSOLE_SESSION_IDLE_MS;
  const clock = deps.now ?? Date.now;
  // Computed once: a slow hash, so the fingerprint in Redis is no cheap way to guess the password.
  const adminFingerprint = deps.adminPassword ? scryptSync(deps.adminPassword, 'contactflow console admin', 32).toString('hex') : null;
  const liveKeys = new LruCache<{ account: string } | null>(10_000);

  const redisKey = (sessionId: string) => `${deps.prefix}:console-session:${createHash('sha256').update(sessionId).digest('hex')}`;

  async function keyAccount(hash: string): Promise<string | null> {
    const now = clock();
    const hit = liveKeys.get(hash, now);
    if (hit !== undefined) return hit?.account ?? null;
    const record = await deps.accounts.findApiKey(hash);
    const expiresAt = record?.expiresAt ? record.expiresAt.getTime() : Number.POSITIVE_INFINITY;
    const live = record && expiresAt > now ? { account: record.account } : null;
    liveKeys.set(hash, live, Math.min(now + SETTINGS_CACHE_TTL_MS, expiresAt));
    return live?.account ?? null;
  }

  async function store(session: StoredSession): Promise<{ sessionId: string; session: ConsoleSession }> {
    const sessionId = randomBytes(32).toString('base64url');
    await deps.redis.set(redisKey(sessionId), JSON.stringify(session), 'PX', idleMs);
    return { sessionId, session: toSession(session) };
  }

  return {
    /** A session for the API key's account, or null when the key does not authenticate. */
    async signInWithApiKey(apiKey: string) {
      const account = await deps.authenticate(apiKey);
      if (!account) return null;
      return store({ kind: 'operator', account, keyHash: hashApiKey(apiKey), csrfToken: newToken(), createdAt: new Date(clock()).toISOString() });
    },

    /** An admin session, or null when the password is wrong or admin routes are off. */
    async signInAsAdmin(password: string) {
      // A digest comparison, as HTTP Basic does: no slow hash per attempt, so guessing costs no CPU.
      if (!adminFingerprint || !safeEqualHex(password, deps.adminPassword!)) return null;
      return store({ kind: 'admin', adminFingerprint, csrfToken: newToken(), createdAt: new Date(clock()).toISOString() });
    },

    /** The live session for a cookie's id (its idle time restarts), or null. */
    async resolve(sessionId: string): Promise<ConsoleSession | null> {
      if (!/^[A-Za-z0-9_-]{43}$/.test(sessionId)) return null;
      const key = redisKey(sessionId);
      const raw = await deps.redis.get(key);
      if (!raw) return null;
      const stored = JSON.parse(raw) as StoredSession;
      const valid =
        stored.kind === 'admin'
          ? adminFingerprint !== null && stored.adminFingerprint !== undefined && safeEqualHex(stored.adminFingerprint, adminFingerprint)
          : stored.keyHash !== undefined && (await keyAccount(stored.keyHash)) === stored.account;
      if (!valid) {
        await deps.redis.del(key);
        return null;
      }
      await deps.redis.pexpire(key, idleMs);
      return toSession(stored);
    },

    async destroy(sessionId: string): Promise<void> {
      await deps.redis.del(redisKey(sessionId));
    },

    /** A revoked key's sessions end at once on this process (others: within the cache TTL). */
    forgetKey(hash: string): void {
      liveKeys.delete(hash);
    },
  };
}

export type ConsoleSessions = ReturnType<typeof createConsoleSessions>;

function toSession(s: StoredSession): ConsoleSession {
  const principal: ConsolePrincipal = s.kind === 'admin' ? { kind: 'admin' } : { kind: 'operator', account: s.account! };
  return { principal, csrfToken: s.csrfToken, createdAt: s.createdAt };
}

function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Constant-time comparison of two strings of any lengths (their digests are compared). */
export function safeEqualHex(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}
