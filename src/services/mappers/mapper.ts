import { LIMITS } from '../../domain/limits';
import type { z } from 'zod';
import type { activityEnvelopeSchema } from '../../jobs/activity-envelope.schema';
import { PermanentJobError } from '../../shared/errors';
import { formatIssues } from '../../shared/zod-issues';

export type MappedFieldValue = string | number | boolean | null;

/**
 * What a mapper produces: the envelope POST /v1/activities accepts (validated downstream), plus the
 * `answers` of a booking or form. Contact facts go in `fields`, facts of the activity in `details`;
 * answers are split between the two by the account's contact fields (routeAnswers), which the
 * mapper does not know.
 */
export type MappedActivity = z.input<typeof activityEnvelopeSchema> & { answers?: Record<string, MappedFieldValue> };

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

/**
 * The activity type of an event a mapper does not know: `<provider>.<event>`, recorded with the
 * identifiers it can read (visible and countable) instead of failing. The event name is cut to a
 * safe length and charset so a sender cannot mint arbitrary types.
 */
export function unknownEventType(provider: string, event: string): string {
  const name = event.replace(/[^A-Za-z0-9_.:-]/g, '_').slice(0, 60) || 'unknown';
  return `${provider}.${name}`;
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

/** Adds a field (or detail, or answer) when both the key and the value are usable; the first writer of a key wins. */
export function putField(fields: Record<string, MappedFieldValue>, rawKey: string, value: unknown): void {
  const key = fieldKey(rawKey);
  const v = scalar(value);
  // Own keys only: `in` would find "constructor" or "toString" on every object and drop the field.
  if (key === null || v === undefined || Object.hasOwn(fields, key)) return;
  setOwn(fields, key, typeof v === 'string' ? v.slice(0, LIMITS.fieldValueLength) : v);
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

/** A time the provider sends (ISO 8601 with an offset) as an ISO string, or null when unusable. */
export function isoTime(v: unknown): string | null {
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}T/.test(v)) return null;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

/**
 * "Carrie Customer" → first "Carrie", last "Customer"; one word is a first name. A provider that
 * collects a single name field gives us nothing better, and splitting at the first space is what
 * OnceHub and Calendly do themselves when they show first and last name.
 */
export function splitName(full: unknown): { firstName: string | null; lastName: string | null } {
  const name = typeof full === 'string' ? full.trim().replace(/\s+/g, ' ') : '';
  if (name === '') return { firstName: null, lastName: null };
  const space = name.indexOf(' ');
  return space < 0 ? { firstName: name, lastName: null } : { firstName: name.slice(0, space), lastName: name.slice(space + 1) };
}

/** Like putField, but leaves out what carries nothing (null, blank strings): details and answers hold facts, not gaps. */
export function putPresent(target: Record<string, MappedFieldValue>, rawKey: string, value: unknown): void {
  if (value === null || value === undefined || (typeof value === 'string' && value.trim() === '')) return;
  putField(target, rawKey, value);
}

/** Sets a key as data, "__proto__" included (plain assignment of it would replace the prototype). */
export function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}
