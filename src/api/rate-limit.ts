import type { RequestHandler, Response } from 'express';
import { AppError, UnavailableError } from '../shared/errors';
import { accountOf } from './auth';

export interface RateLimitDecision {
  allowed: boolean;
  /** Whole seconds until `cost` would be allowed (0 when allowed). */
  retryAfterSeconds: number;
}

/** Implemented in src/infra (Redis, shared by every API process); tests may pass a fake. */
export interface RateLimiter {
  consume(account: string, cost: number): Promise<RateLimitDecision>;
}

/**
 * Charges `cost` activities to the account and answers 429 with Retry-After when its budget is
 * spent. Sets the header before throwing so the problem+json handler keeps it.
 */
export async function enforceRateLimit(limiter: RateLimiter, res: Response, account: string, cost: number): Promise<void> {
  let decision: RateLimitDecision;
  try {
    decision = await limiter.consume(account, cost);
  } catch (err) {
    // The limiter lives in the same Redis as the queue: if it cannot answer, neither could the queue.
    throw new UnavailableError(`The rate limiter cannot answer right now (${(err as Error).message})`);
  }
  if (decision.allowed) return;
  res.setHeader('Retry-After', String(Math.max(1, decision.retryAfterSeconds)));
  throw new AppError('rate_limited', `This account sends activities faster than its rate limit; retry after ${decision.retryAfterSeconds} s`, 429);
}

/** For routes whose account comes from the API key and whose cost is known before parsing. */
export function rateLimit(limiter: RateLimiter, cost = 1): RequestHandler {
  return async (req, res, next) => {
    await enforceRateLimit(limiter, res, accountOf(req), cost);
    next();
  };
}
