import type { RequestHandler } from 'express';
import type { ApiKeyAuthenticator } from '../services/accounts.service';
import { UnauthorizedError } from '../shared/errors';

/** Bearer API key → account. Everything downstream reads `req.account` and nothing else. */
export function requireApiKey(authenticator: ApiKeyAuthenticator): RequestHandler {
  return async (req, _res, next) => {
    const header = req.get('authorization');
    const match = header?.match(/^Bearer\s+(\S+)$/i);
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
