import { normalizeEmail } from './email';
import { normalizePhone } from './phone';
import type { IdentityPolicy, NormalizedIdentifiers } from './types';

export interface RawIdentifiers {
  email: unknown;
  phone: unknown;
  /** ISO 3166 alpha-2 hint for phone parsing; falls back to the policy's default country. */
  country: string | null;
}

/**
 * One entry point so every caller (worker, replay, backfill) normalizes the same way; a dropped
 * identifier is never fatal, it is reported as a warning and the other one still identifies.
 */
export function normalizeIdentifiers(input: RawIdentifiers, policy: IdentityPolicy): NormalizedIdentifiers {
  const email = normalizeEmail(input.email, policy);
  const phone = normalizePhone(input.phone, input.country, policy);
  return {
    email: email.email,
    phone: phone.phone,
    phoneExtension: phone.extension,
    warnings: [...email.warnings, ...phone.warnings],
  };
}
