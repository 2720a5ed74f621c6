import { AppError, ContentionError, PermanentJobError, TransientStoreError } from '../shared/errors';
import { maskPii } from '../shared/pii';

/** How a failed activity job is classified: an outage (pause), worth a retry, or permanent. */
export function isStoreOutage(err: unknown, isTransientStoreError: (err: unknown) => boolean): boolean {
  return err instanceof TransientStoreError || (!(err instanceof AppError) && isTransientStoreError(err));
}

/**
 * Only faults that can pass (store outage, contention) are retried. Everything else, a bad payload
 * or a bug, fails at once and visibly: retrying would only delay the same failure, and a code fix
 * plus a replay is the remedy.
 */
export function isRetryable(err: unknown, isTransientStoreError: (err: unknown) => boolean): boolean {
  if (err instanceof PermanentJobError) return false;
  if (err instanceof TransientStoreError || err instanceof ContentionError) return true;
  return isTransientStoreError(err);
}

/** What Bull Board and GET /v1/activities/:id show: `code: message`, masked, no stack. */
export function failureReason(err: unknown): string {
  if (err instanceof AppError) return maskPii(`${err.code}: ${err.message}`);
  const e = err as { name?: string; message?: string; code?: unknown };
  const code = typeof e?.code === 'string' || typeof e?.code === 'number' ? String(e.code) : (e?.name ?? 'Error');
  return maskPii(`${code}: ${e?.message ?? String(err)}`);
}
