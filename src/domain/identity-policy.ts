import type { IdentityPolicy } from './types';

export interface IdentityPolicyOverrides {
  defaultCountry: string;
  extraBlockedEmails: string[];
  extraBlockedLocalParts: string[];
  extraBlockedRawValues: string[];
}

// Addresses people type into forms to get past a required field. Merging on them would glue
// strangers into one contact. Only whole addresses are listed: reserved domains such as
// example.com are deliberately not blocked, so fixtures and demos keep working.
const DEFAULT_BLOCKED_EMAILS = [
  'test@test.com',
  'test@example.com',
  'email@example.com',
  'example@example.com',
  'email@email.com',
  'noemail@noemail.com',
  'no@email.com',
  'none@none.com',
];

// Automated senders: an activity "from" them is never a person.
const DEFAULT_BLOCKED_LOCAL_PARTS = [
  'noreply',
  'no-reply',
  'no_reply',
  'donotreply',
  'do-not-reply',
  'do_not_reply',
  'mailer-daemon',
];

// Placeholders that leak out of templating, serialisation and form defaults (PostHog's illegal
// distinct ids, Segment's blocked values). Compared trimmed and lower-cased, so one entry covers
// `NULL`, `Null`, `[object Object]`, `NaN`...
const DEFAULT_BLOCKED_RAW_VALUES = [
  '',
  'null',
  'undefined',
  'n/a',
  'na',
  'none',
  'nil',
  'anonymous',
  'guest',
  '[object object]',
  'nan',
  '0',
  '-1',
];

const canonical = (value: string): string => value.trim().toLowerCase();

/**
 * The blocklists are merged with the defaults rather than replacing them: an account may add junk
 * values it sees, but cannot accidentally re-enable `null` as an identifier.
 */
export function defaultIdentityPolicy(overrides: Partial<IdentityPolicyOverrides> = {}): IdentityPolicy {
  return {
    defaultCountry: (overrides.defaultCountry ?? 'US').trim().toUpperCase(),
    blockedEmails: new Set([...DEFAULT_BLOCKED_EMAILS, ...(overrides.extraBlockedEmails ?? [])].map(canonical)),
    blockedEmailLocalParts: new Set(
      [...DEFAULT_BLOCKED_LOCAL_PARTS, ...(overrides.extraBlockedLocalParts ?? [])].map(canonical),
    ),
    blockedRawValues: new Set([...DEFAULT_BLOCKED_RAW_VALUES, ...(overrides.extraBlockedRawValues ?? [])].map(canonical)),
  };
}

/** Shared by email and phone normalization so both treat placeholders the same way. */
export function isBlockedRawValue(trimmed: string, policy: IdentityPolicy): boolean {
  return policy.blockedRawValues.has(trimmed.toLowerCase());
}
