import { LIMITS } from '../../domain/limits';
import type { z } from 'zod';
import type { activityEnvelopeSchema } from '../../jobs/activity-envelope.schema';
import { PermanentJobError } from '../../shared/errors';
import { formatIssues } from '../../shared/zod-issues';

/** What a mapper produces: the same envelope POST /v1/activities accepts, validated downstream. */
export type MappedActivity = z.input<typeof activityEnvelopeSchema>;
export type MappedFieldValue = string | number | boolean | null;

/**
 * One webhook provider. `eventId` runs in the intake (it must be cheap and never throw: a payload
 * it cannot read falls back to a body hash); `map` runs in the worker, so a mapping bug is fixed by
 * a code change plus a replay of the failed jobs.
 */
export interface ProviderMapper {
  provider: string;
  eventId(payload: unknown): string | null;
  /** Throws PermanentJobError for a shape it does not know: retrying cannot fix that. */
  map(payload: unknown): MappedActivity;
}

/** Validates a provider payload, turning zod issues into one permanent, PII-free failure. */
export function parseProviderPayload<T>(provider: string, schema: z.ZodType<T>, payload: unknown): T {
  const parsed = schema.safeParse(payload);
  if (parsed.success) return parsed.data;
  const detail = formatIssues(parsed.error)
    .slice(0, 5)
    .map((i) => `${i.path}: ${i.message}`)
    .join('; ');
  throw new PermanentJobError('invalid_provider_payload', `${provider} payload has an unknown shape: ${detail}`);
}

export function unsupportedEvent(provider: string, event: string): PermanentJobError {
  return new PermanentJobError('unsupported_event', `${provider} event "${event.slice(0, 100)}" is not supported`);
}

/**
 * Source field names become MongoDB paths on the contact: '.' would nest and a leading '$' would be
 * an operator, so both are rewritten instead of failing the whole activity over one odd key.
 */
export function fieldKey(raw: string): string | null {
  const key = raw.trim().replace(/\./g, '_').replace(/^\$+/, '').replace(/\0/g, '').slice(0, 100);
  return key === '' ? null : key;
}

/** Scalars pass; lists of scalars become one "a, b" string; anything nested is not a captured value. */
export function scalar(value: unknown): MappedFieldValue | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number')) {
    return value.length === 0 ? undefined : value.join(', ');
  }
  return undefined;
}

/** Adds a field when both the key and the value are usable; the first writer of a key wins. */
export function putField(fields: Record<string, MappedFieldValue>, rawKey: string, value: unknown): void {
  const key = fieldKey(rawKey);
  const v = scalar(value);
  if (key === null || v === undefined || key in fields) return;
  fields[key] = typeof v === 'string' ? v.slice(0, LIMITS.fieldValueLength) : v;
}

/** Reads `obj.a.b` from an unknown payload without throwing (for eventId). */
export function pick(obj: unknown, ...path: string[]): unknown {
  let cur = obj;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

export function nonEmptyString(v: unknown, max = 200): string | null {
  return typeof v === 'string' && v.trim() !== '' && v.length <= max ? v : null;
}

export function idString(v: unknown): string | null {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  return nonEmptyString(v);
}
