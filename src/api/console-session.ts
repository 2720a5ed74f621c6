import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import type { ConsoleSession, ConsoleSessions } from '../services/console-sessions.service';
import { CONSOLE_SESSION_IDLE_MS, safeEqualHex } from '../services/console-sessions.service';
import { AppError, UnauthorizedError } from '../shared/errors';
import type { AuthThrottle } from './auth-throttle';
import { parseRequest, rejectQuery } from './request-validation';
import { requireJson } from './require-json';

export const CONSOLE_COOKIE = 'cf_console';
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export const consoleSignInSchema = z.union([
  z.object({ apiKey: z.string().min(1).max(256) }).strict(),
  z.object({ adminPassword: z.string().min(1).max(1024) }).strict(),
]);

export const consoleSessionViewSchema = z
  .object({
    kind: z.enum(['operator', 'admin']),
    account: z.string().nullable().describe('The operator’s account; null for the admin'),
    csrfToken: z.string().describe('Send it back as X-CSRF-Token on every POST, PUT, PATCH and DELETE'),
    createdAt: z.string(),
  })
  .strict();

/** The session id from the request's Cookie header, or null. */
export function sessionIdOf(req: Request): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === CONSOLE_COOKIE) return part.slice(eq + 1).trim() || null;
  }
  return null;
}

/** The origin this request was addressed to, as a browser on the console's page would send it. */
function ownOrigin(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? ''}`;
}

/**
 * A cross-site page cannot send our cookie (SameSite=Strict), nor read the token; the Origin check
 * covers browsers or proxies that would. When the browser sends neither Origin nor Referer, the
 * token alone decides.
 */
function assertSameOrigin(req: Request): void {
  const own = ownOrigin(req);
  const origin = req.get('origin');
  if (origin !== undefined) {
    if (origin !== own) throw new AppError('csrf_failed', 'The request comes from another origin', 403);
    return;
  }
  const referer = req.get('referer');
  if (referer !== undefined && referer !== own && !referer.startsWith(own + '/')) throw new AppError('csrf_failed', 'The request comes from another origin', 403);
}

function assertCsrf(req: Request, session: ConsoleSession): void {
  if (!STATE_CHANGING.has(req.method)) return;
  const token = req.get('x-csrf-token');
  if (!token || !safeEqualHex(token, session.csrfToken)) throw new AppError('csrf_failed', 'X-CSRF-Token is missing or does not match the session (GET /console/session gives it)', 403);
  assertSameOrigin(req);
}

/**
 * The cookie credential the /v1 and /admin routes accept next to their headers. Each answers
 * null when the request carries no console cookie (the header path then decides as before),
 * throws 403 csrf_failed for a change without the session's token or from another origin.
 */
export function consoleCredentials(sessions: ConsoleSessions) {
  async function sessionOf(req: Request): Promise<ConsoleSession | null | false> {
    const id = sessionIdOf(req);
    if (!id) return null;
    const session = await sessions.resolve(id);
    if (!session) return false;
    assertCsrf(req, session);
    return session;
  }
  return {
    /** The operator session's account; null without a cookie; 401 for a cookie that is no operator session. */
    async operatorAccount(req: Request): Promise<string | null> {
      const session = await sessionOf(req);
      if (session === null) return null;
      if (session === false || session.principal.kind !== 'operator') throw new UnauthorizedError('The console session has ended or is not an account operator’s: sign in again');
      return session.principal.account;
    },
    /** true for an admin session, false for a cookie that is none, null without a cookie. */
    async isAdmin(req: Request): Promise<boolean | null> {
      const session = await sessionOf(req);
      if (session === null) return null;
      return session !== false && session.principal.kind === 'admin';
    },
  };
}

export type ConsoleCredentials = ReturnType<typeof consoleCredentials>;

function setCookie(req: Request, res: Response, value: string, maxAgeMs: number): void {
  // Secure whenever the browser reached us over TLS (directly or through a proxy that says so).
  const secure = req.secure || req.get('x-forwarded-proto') === 'https';
  res.cookie(CONSOLE_COOKIE, value, { httpOnly: true, sameSite: 'strict', path: '/', secure, maxAge: maxAgeMs });
}

function view(session: ConsoleSession) {
  return {
    kind: session.principal.kind,
    account: session.principal.kind === 'operator' ? session.principal.account : null,
    csrfToken: session.csrfToken,
    createdAt: session.createdAt,
  };
}

/** POST / GET / DELETE /console/session: sign in, who is signed in (and the CSRF token), sign out. */
export function consoleSessionRoutes(sessions: ConsoleSessions, throttle?: AuthThrottle): Router {
  const router = Router();
  const json = express.json({ limit: '4kb', strict: true });

  // A second door to the admin password and to API keys: the same per-address failure limit applies.
  const guard: RequestHandler = throttle ? throttle.guard : (_req, _res, next) => next();
  router.post('/console/session', guard, requireJson, json, async (req, res) => {
    rejectQuery(req.query);
    // Login CSRF: a foreign page must not sign the browser into someone else's session.
    assertSameOrigin(req);
    const body = parseRequest(consoleSignInSchema, req.body, 'sign-in');
    const created = 'apiKey' in body ? await sessions.signInWithApiKey(body.apiKey) : await sessions.signInAsAdmin(body.adminPassword);
    if (!created) {
      await throttle?.failed(req, 'apiKey' in body ? 'api_key' : 'admin');
      throw new UnauthorizedError('apiKey' in body ? 'The API key is not valid' : 'The admin password is wrong, or admin routes are off (ADMIN_PASSWORD unset)');
    }
    req.log.info({ kind: created.session.principal.kind, account: view(created.session).account }, 'console sign-in');
    setCookie(req, res, created.sessionId, CONSOLE_SESSION_IDLE_MS);
    res.status(201).json(view(created.session));
  });

  router.get('/console/session', async (req, res) => {
    rejectQuery(req.query);
    const id = sessionIdOf(req);
    const session = id ? await sessions.resolve(id) : null;
    if (!session) throw new UnauthorizedError('Not signed in to the console');
    res.json(view(session));
  });

  router.delete('/console/session', async (req, res) => {
    rejectQuery(req.query);
    const id = sessionIdOf(req);
    const session = id ? await sessions.resolve(id) : null;
    if (session) {
      assertCsrf(req, session);
      await sessions.destroy(id!);
    }
    setCookie(req, res, '', 0);
    res.status(204).end();
  });

  return router;
}
