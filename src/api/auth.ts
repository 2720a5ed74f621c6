import type { Request, RequestHandler } from 'express';
import type { ApiKeyAuthenticator } from '../services/accounts.service';
import { UnauthorizedError } from '../shared/errors';

/** Another credential than the header (the console's session cookie): the account, or null when absent. */
export type AccountFromSession = (req: Request) => Promise<string | null>;

/** Bearer API key → account. Everything downstream reads `req.account` and nothing else. */
export function requireApiKey(authenticator: ApiKeyAuthenticator, fromSession?: AccountFromSession): RequestHandler {
  return async (req, _res, next) => {
    const header = req.get('authorization');
    const match = header?.match(/^Bearer\s+(\S+)$/i);
    if (!match && header === undefined && fromSession) {
      const account = await fromSession(req);
      if (!account) throw new UnauthorizedError();
      req.account = account;
      return next();
    }
    if (!match) throw new UnauthorizedError();
    const account = await authenticator.authenticate(match[1]!);
    if (!account) throw new UnauthorizedError('The API key is not valid');
    req.account = account;
    next();
  };
}

export function accountOf(req: { account?: string }): string {
  if (!req.account) throw new UnauthorizedError();
  return req.account;
}
