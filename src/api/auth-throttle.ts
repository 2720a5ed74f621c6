import type { Request, RequestHandler, Response } from 'express';
import { UnauthorizedError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import { LruCache } from '../shared/lru-cache';
import { maskPii } from '../shared/pii';
import { sendProblem } from './problem';

/** Which credential failed: API key, admin Basic (on /admin or /metrics), metrics token, webhook signature. */
export type AuthKind = 'api_key' | 'admin' | 'metrics' | 'webhook';

/** Implemented in src/infra (Redis, shared by every API process); tests may pass a fake. */
export interface FailureCounter {
  /** Counts one failure of `address` in its current window: the window's count and the ms left of it. */
  record(address: string): Promise<{ count: number; resetMs: number }>;
}

export interface AuthThrottle {
  /** Before any credential is looked up or compared: false (429 sent) while the address is over its limit. */
  admit(req: Request, res: Response): boolean;
  /** `admit` as a middleware. */
  guard: RequestHandler;
  /** After a failed authentication: counts it against the client address, and logs as documented. */
  failed(req: Request, kind: AuthKind): Promise<void>;
  /** The same, only when the request carried an Authorization header (a browser's first, bare request is no attempt). */
  failedAttempt(req: Request, kind: AuthKind): Promise<void>;
}

export interface AuthThrottleOptions {
  counter: FailureCounter;
  /** Failures per address and window; the next attempt in the window is answered 429. */
  limit: number;
  logger: Logger;
  now?(): number;
}

/**
 * Limits failed authentications per client address (req.ip, see TRUST_PROXY). The counting is
 * shared in Redis; the verdict "over the limit until T" is kept in this process, so the check
 * before each authentication costs a Map look-up, never a round trip: a flood of bogus
 * credentials is answered 429 without touching the store, and a good credential is not slowed.
 */
export function createAuthThrottle(opts: AuthThrottleOptions): AuthThrottle {
  const now = opts.now ?? Date.now;
  const blockedUntil = new LruCache<number>(100_000);
  // When the last block ends: until then nobody is blocked, and admit skips even req.ip (which
  // parses X-Forwarded-For under TRUST_PROXY).
  let anyBlockedUntil = 0;
  let counterDown = false;

  const admit = (req: Request, res: Response): boolean => {
    const t = now();
    if (t >= anyBlockedUntil) return true;
    const until = blockedUntil.get(addressKey(req.ip), t);
    if (until === undefined) return true;
    const seconds = Math.max(1, Math.ceil((until - t) / 1000));
    res.setHeader('Retry-After', String(seconds));
    sendProblem(res, 429, 'too_many_failed_authentications', `Too many failed authentications from this address; retry after ${seconds} s`);
    return false;
  };

  const failed = async (req: Request, kind: AuthKind): Promise<void> => {
    const key = addressKey(req.ip);
    let result: { count: number; resetMs: number };
    try {
      result = await opts.counter.record(key);
      counterDown = false;
    } catch (err) {
      // Fail open: authentication itself still works without Redis, and refusing everyone's
      // credentials while Redis is away would turn its outage into a lock-out.
      if (!counterDown) opts.logger.warn({ err }, 'failed-authentication counter unavailable: not limiting until Redis answers');
      counterDown = true;
      return;
    }
    const t = now();
    if (result.count >= opts.limit) {
      blockedUntil.set(key, t + result.resetMs, t + result.resetMs);
      anyBlockedUntil = Math.max(anyBlockedUntil, t + result.resetMs);
    }
    // At most two lines per address and window, so a flood cannot flood the logs; the address
    // is logged, the credential never.
    const context = { address: req.ip, route: routeOf(req), kind, count: result.count };
    if (result.count === 1 && kind === 'admin') opts.logger.warn(context, 'failed admin login');
    if (result.count === opts.limit) {
      opts.logger.warn({ ...context, retryAfterSeconds: Math.ceil(result.resetMs / 1000) }, 'too many failed authentications from this address: answering 429 until the window ends');
    }
  };

  return {
    admit,
    guard: (req, res, next) => {
      if (admit(req, res)) next();
    },
    failed,
    failedAttempt: (req, kind) => (req.get('authorization') === undefined ? Promise.resolve() : failed(req, kind)),
  };
}

/**
 * Wraps an authenticating middleware that throws UnauthorizedError (requireApiKey): refused at once
 * while the address is over its limit, and each failure with a credential counted.
 */
export function throttled(throttle: AuthThrottle | undefined, kind: AuthKind, authenticate: RequestHandler): RequestHandler {
  if (!throttle) return authenticate;
  return async (req, res, next) => {
    if (!throttle.admit(req, res)) return;
    try {
      await authenticate(req, res, next);
    } catch (err) {
      if (err instanceof UnauthorizedError) await throttle.failedAttempt(req, kind);
      throw err;
    }
  };
}

/**
 * The counted unit: an IPv4 address, or an IPv6 /64 (one host commonly holds a whole /64, so
 * counting single IPv6 addresses would give it 2^64 budgets).
 */
export function addressKey(ip: string | undefined): string {
  if (!ip) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (!ip.includes(':')) return ip;
  const [head = '', tail] = ip.split('%')[0]!.split('::');
  const front = head ? head.split(':') : [];
  const back = tail ? tail.split(':') : [];
  const groups = tail === undefined ? front : [...front, ...Array<string>(Math.max(0, 8 - front.length - back.length)).fill('0'), ...back];
  return `${groups
    .slice(0, 4)
    .map((g) => (Number.parseInt(g, 16) || 0).toString(16))
    .join(':')}::/64`;
}

/** The path, cut and masked: a client puts what it likes in a path, an email included. */
function routeOf(req: Request): string {
  return maskPii((req.originalUrl.split('?')[0] ?? '').slice(0, 200));
}
