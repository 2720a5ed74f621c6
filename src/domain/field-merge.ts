import isISO8601 from 'validator/lib/isISO8601';
import isURL from 'validator/lib/isURL';
import { normalizeEmail } from './email';
import { defaultIdentityPolicy } from './identity-policy';
import { LIMITS } from './limits';
import { normalizePhone } from './phone';
import type {
  CanonicalActivity,
  CapturedField,
  FieldDefinition,
  IdentityPolicy,
  MergeOptions,
  Warning,
} from './types';

export interface MergedFields {
  fields: Record<string, CapturedField>;
  warnings: Warning[];
}

// What a field holds; null (a cleared field's tombstone) is never the result of a coercion.
type Stored = NonNullable<CapturedField['value']>;
type Coerced = { ok: true; value: Stored; warnings: Warning[] } | { ok: false };

/**
 * Keys become MongoDB paths (`fields.<key>`): `$` starts an operator, `.` descends into a
 * sub-document, NUL is refused by BSON. `__proto__` would turn a plain-object write into
 * prototype pollution in any consumer that copies fields naively.
 */
export function isValidFieldKey(key: string): boolean {
  return key !== '' && !key.startsWith('$') && !key.includes('.') && !key.includes('\0') && key !== '__proto__';
}

/** Empty values carry no information: they never overwrite and are not stored. */
export function isEmptyValue(value: unknown): boolean {
  return value === null || value === undefined || (typeof value === 'string' && value.trim() === '');
}

// Decimal notation only: Number() alone would also accept "0x1f", "0b1" and "Infinity".
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

// -0 and 0 are one value for a person's data; keeping -0 would make equal states compare unequal.
const finite = (n: number): Stored | undefined => (Number.isFinite(n) ? (n === 0 ? 0 : n) : undefined);

const ok = (value: Stored, warnings: Warning[] = []): Coerced => ({ ok: true, value, warnings });
const fail: Coerced = { ok: false };

function coerceNumber(value: unknown): Coerced {
  if (typeof value === 'number') {
    const n = finite(value);
    return n === undefined ? fail : ok(n);
  }
  if (typeof value === 'string' && DECIMAL.test(value.trim())) {
    const n = finite(Number(value.trim()));
    return n === undefined ? fail : ok(n);
  }
  return fail;
}

function coerceBoolean(value: unknown): Coerced {
  if (typeof value === 'boolean') return ok(value);
  if (typeof value === 'string') {
    const s = value.trim().toLowerCase();
    if (s === 'true') return ok(true);
    if (s === 'false') return ok(false);
  }
  return fail;
}

function coerceDate(value: unknown): Coerced {
  if (typeof value !== 'string') return fail;
  const s = value.trim();
  // strict rejects impossible dates (2024-02-30) that Date would silently roll over.
  if (!isISO8601(s, { strict: true, strictSeparator: true })) return fail;
  // A date-time without offset would be read in the server's local zone: read it as UTC so the
  // stored instant does not depend on where the worker runs. Date-only forms are UTC already.
  const timePart = s.includes('T') ? s.slice(s.indexOf('T')) : '';
  const hasTime = timePart !== '';
  const hasOffset = /(?:Z|[+-]\d{2}(?::?\d{2})?)$/.test(timePart);
  const date = new Date(hasTime && !hasOffset ? `${s}Z` : s);
  // Valid ISO forms that Date cannot read (week dates, ordinal dates, basic format) end here.
  return Number.isNaN(date.getTime()) ? fail : ok(date.toISOString());
}

const URL_MAX_LENGTH = 2048;
const HAS_SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/**
 * A web address: http(s) with a host that has a top-level domain. Forms often take "acme.com"
 * without a scheme, so a missing scheme is read as https; other schemes (javascript:, mailto:, ftp:)
 * are not web addresses a person would click from a contact and do not fit.
 */
function coerceUrl(value: unknown): Coerced {
  if (typeof value !== 'string') return fail;
  const s = value.trim();
  if (s.length > URL_MAX_LENGTH || /\s/.test(s)) return fail;
  const withScheme = HAS_SCHEME.test(s) && !/^[^:/]+:\d/.test(s) ? s : `https://${s}`;
  return isURL(withScheme, { protocols: ['http', 'https'], require_protocol: true, require_tld: true, allow_underscores: true }) ? ok(withScheme) : fail;
}

function coerceChoice(value: unknown, options: readonly string[] | undefined): Coerced {
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return fail;
  const wanted = String(value).trim().toLowerCase();
  const match = (options ?? []).find((option) => option.trim().toLowerCase() === wanted);
  return match === undefined ? fail : ok(match);
}

/** Untyped keys (and `text`) keep what came; strings are trimmed so "Acme" and "Acme " are one value. */
function coerceUntyped(value: unknown): Coerced {
  if (typeof value === 'string') return ok(value.trim());
  if (typeof value === 'boolean') return ok(value);
  if (typeof value === 'number') {
    const n = finite(value);
    return n === undefined ? fail : ok(n);
  }
  return fail;
}

function coerce(
  key: string,
  value: unknown,
  definition: FieldDefinition | undefined,
  activity: Pick<CanonicalActivity, 'country'>,
  policy: IdentityPolicy,
): Coerced {
  switch (definition?.type) {
    case undefined:
      return coerceUntyped(value);
    case 'text': {
      // A zip code or an id sent as a JSON number is still text to the person who defined the field.
      const untyped = coerceUntyped(value);
      return untyped.ok ? ok(String(untyped.value)) : fail;
    }
    case 'number':
      return coerceNumber(value);
    case 'boolean':
      return coerceBoolean(value);
    case 'date':
      return coerceDate(value);
    case 'email': {
      const { email } = normalizeEmail(value, policy);
      return email === null ? fail : ok(email);
    }
    case 'phone': {
      const { phone, extension } = normalizePhone(value, activity.country, policy);
      if (phone === null) return fail;
      // A field holds one comparable E.164 value; the extension cannot ride along in it.
      return ok(phone, extension === null ? [] : [`phone_extension_dropped:${key}`]);
    }
    case 'url':
      return coerceUrl(value);
    case 'single_choice':
      return coerceChoice(value, definition.options);
  }
}

const time = (d: Date): number => {
  const t = d.getTime();
  return Number.isNaN(t) ? Number.NEGATIVE_INFINITY : t;
};

/**
 * Whether `candidate` replaces `current`. Both orders are total (time, then activityId), so the
 * final value is the max (or, set-once, the min) over all activities: arrival order is irrelevant
 * and re-applying the same activity is a no-op.
 */
export function wins(candidate: CapturedField, current: CapturedField, setOnce: boolean): boolean {
  const dt = time(candidate.setAt) - time(current.setAt);
  const byTime = Number.isNaN(dt) ? 0 : dt;
  if (setOnce) return byTime < 0 || (byTime === 0 && candidate.activityId < current.activityId);
  return byTime > 0 || (byTime === 0 && candidate.activityId > current.activityId);
}

// Field validation only needs the default country; one policy object per country is plenty.
const policies = new Map<string, IdentityPolicy>();
function policyFor(defaultCountry: string): IdentityPolicy {
  let policy = policies.get(defaultCountry);
  if (policy === undefined) {
    policy = defaultIdentityPolicy({ defaultCountry });
    policies.set(defaultCountry, policy);
  }
  return policy;
}

/**
 * The value `raw` becomes in the field `key`, typed by its definition exactly as an activity's value
 * is, so an operator's edit stores what an activity with the same value would; null when it does
 * not fit the type. `country` is the phone hint (an activity's), else `defaultCountry`.
 */
export function coerceFieldValue(
  key: string,
  raw: unknown,
  definition: FieldDefinition | undefined,
  country: string | null,
  defaultCountry: string,
): { value: Stored; warnings: Warning[] } | null {
  const coerced = coerce(key, raw, definition, { country }, policyFor(defaultCountry));
  return coerced.ok ? { value: coerced.value, warnings: coerced.warnings } : null;
}

/** Rule 6 of DESIGN.md "Identity rules": per-field latest event wins, set-once fields keep the earliest. */
export function mergeFields(
  current: Readonly<Record<string, CapturedField>>,
  activity: CanonicalActivity,
  opts: MergeOptions,
): MergedFields {
  const fields = new Map<string, CapturedField>(Object.entries(current));
  const warnings: Warning[] = [];
  const policy = policyFor(opts.defaultCountry);

  // Sorted so the warnings come out in the same order for the same activity, however it was built.
  for (const key of Object.keys(activity.fields).sort()) {
    if (!isValidFieldKey(key)) {
      warnings.push(`field_key_invalid:${key}`);
      continue;
    }
    const raw: unknown = activity.fields[key];
    if (isEmptyValue(raw)) continue;

    const definition = opts.fieldDefinitions.get(key);
    const coerced = coerce(key, raw, definition, activity, policy);
    if (!coerced.ok) {
      warnings.push(`field_type_mismatch:${key}`);
      continue;
    }
    warnings.push(...coerced.warnings);

    const candidate: CapturedField = {
      value: coerced.value,
      source: activity.source,
      setAt: new Date(activity.occurredAt.getTime()),
      activityId: activity.id,
    };
    const existing = fields.get(key);
    // A full contact keeps its keys: only what it already holds can change (LIMITS.fieldsPerContact).
    if (existing === undefined && fields.size >= LIMITS.fieldsPerContact) {
      warnings.push(`field_dropped_contact_full:${key}`);
      continue;
    }
    if (existing === undefined || wins(candidate, existing, definition?.setOnce === true)) {
      fields.set(key, candidate);
    }
  }

  // fromEntries defines own properties (no setter on any key) and sorting makes the stored
  // document byte-identical whatever order the activities arrived in.
  return {
    fields: Object.fromEntries([...fields.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    warnings,
  };
}
