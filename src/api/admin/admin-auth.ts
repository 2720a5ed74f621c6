import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { sendProblem } from '../problem';

export const ADMIN_USER = 'admin';
const REALM = 'contactflow admin';

/**
 * Compares digests, not the strings: timingSafeEqual needs equal lengths, and hashing first means
 * neither the length nor any prefix of the secret leaks through the response time.
 */
export function safeEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** `Authorization: Basic base64(user:password)` → the pair, or null when absent or malformed. */
export function basicCredentials(header: string | undefined): { user: string; password: string } | null {
  const m = header?.match(/^Basic\s+([A-Za-z0-9+/=]+)\s*$/i);
  if (!m) return null;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export function isAdmin(header: string | undefined, password: string): boolean {
  const c = basicCredentials(header);
  // Both comparisons always run, so a wrong user name costs the same time as a wrong password.
  const userOk = safeEqual(c?.user ?? '', ADMIN_USER);
  const passwordOk = safeEqual(c?.password ?? '', password);
  return c !== null && userOk && passwordOk;
}

/**
 * HTTP Basic for operator routes (Bull Board, replay). The WWW-Authenticate challenge makes a
 * browser show its login dialog, which is all the Bull Board UI needs.
 */
export interface RequireAdminOptions {
  /** The console's admin session, accepted when the request carries no Authorization header. */
  fromSession?: AdminFromSession;
  /** Counts a failed login (auth-throttle.ts); awaited before the 401, so it counts before a retry. */
  onFailure?: (req: Request) => Promise<void>;
}

export function requireAdmin(password: string, opts: RequireAdminOptions = {}): RequestHandler {
  return async (req, res, next) => {
    if (isAdmin(req.get('authorization'), password)) return next();
    if (opts.fromSession && req.get('authorization') === undefined) {
      let admin: boolean | null;
      try {
        admin = await opts.fromSession(req);
      } catch (err) {
        return next(err);
      }
      if (admin === true) return next();
      // A console cookie that is no admin session: no challenge, or fetch would pop a login dialog.
      if (admin === false) return sendProblem(res, 401, 'unauthorized', 'The console session has ended or is not the admin’s: sign in again');
    }
    await opts.onFailure?.(req);
    challenge(res);
  };
}

/** The console's session cookie: true for an admin session, false for another one, null without a cookie. */
export type AdminFromSession = (req: Request) => Promise<boolean | null>;

function challenge(res: Response): void {
  res.setHeader('WWW-Authenticate', `Basic realm="${REALM}", charset="UTF-8"`);
  sendProblem(res, 401, 'unauthorized', 'Admin credentials are required (HTTP Basic, user "admin")');
}

/** Admin routes without ADMIN_PASSWORD: say why instead of a bare 404. */
export const adminDisabled: RequestHandler = (_req, res) => {
  sendProblem(res, 404, 'admin_disabled', 'Admin routes are disabled: set ADMIN_PASSWORD to enable Bull Board, replay and the accounts API');
};
