import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
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
export function requireAdmin(password: string, onFailure?: (req: Request) => Promise<void>): RequestHandler {
  return async (req, res, next) => {
    if (isAdmin(req.get('authorization'), password)) return next();
    // Awaited before the 401, so the failure is counted before the client can try again.
    await onFailure?.(req);
    res.setHeader('WWW-Authenticate', `Basic realm="${REALM}", charset="UTF-8"`);
    sendProblem(res, 401, 'unauthorized', 'Admin credentials are required (HTTP Basic, user "admin")');
  };
}

/** Admin routes without ADMIN_PASSWORD: say why instead of a bare 404. */
export const adminDisabled: RequestHandler = (_req, res) => {
  sendProblem(res, 404, 'admin_disabled', 'Admin routes are disabled: set ADMIN_PASSWORD to enable Bull Board, replay and the accounts API');
};
