import type { RateLimitDecision, RateLimiter } from '../api/rate-limit';

export interface LeaseOptions {
  /** Tokens taken from the shared bucket at once. */
  leaseSize: number;
  /** Unused leased tokens are dropped after this: a process never sits on budget for long. */
  leaseTtlMs: number;
}

/**
 * Takes tokens from the shared (Redis) bucket in small leases and spends them locally, so the
 * intake pays one Redis call per `leaseSize` requests instead of one per request. It never admits
 * more than the shared bucket granted (every local token was taken from it first); the cost is
 * that up to `leaseSize` tokens per process can expire unused, a slight under-admission.
 */
export function createLeasedRateLimiter(shared: RateLimiter, opts: LeaseOptions): RateLimiter {
  const local = new Map<string, { tokens: number; expires: number }>();
  const leasing = new Map<string, Promise<boolean>>();

  async function lease(account: string): Promise<boolean> {
    const decision = await shared.consume(account, opts.leaseSize);
    if (decision.allowed) local.set(account, { tokens: opts.leaseSize, expires: Date.now() + opts.leaseTtlMs });
    return decision.allowed;
  }

  function spend(account: string, cost: number): boolean {
    const balance = local.get(account);
    if (!balance || balance.expires <= Date.now() || balance.tokens < cost) return false;
    balance.tokens -= cost;
    return true;
  }

  return {
    async consume(account: string, cost: number): Promise<RateLimitDecision> {
      if (spend(account, cost)) return { allowed: true, retryAfterSeconds: 0 };
      // Larger than a lease (a batch): straight to the shared bucket.
      if (cost >= opts.leaseSize) return shared.consume(account, cost);
      // Concurrent requests of one account share one lease call.
      let pending = leasing.get(account);
      if (!pending) {
        pending = lease(account).finally(() => leasing.delete(account));
        leasing.set(account, pending);
      }
      if ((await pending) && spend(account, cost)) return { allowed: true, retryAfterSeconds: 0 };
      // Not enough budget left for a whole lease: the shared bucket decides this request alone.
      return shared.consume(account, cost);
    },
  };
}

/** A lease worth having: ~5% of a second's budget, capped; none when the limit is tiny. */
export function leaseSizeFor(perSecond: number, burst: number): number {
  const size = Math.min(100, Math.floor(Math.min(perSecond, burst) / 20));
  return size >= 2 ? size : 0;
}
