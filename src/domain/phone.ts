import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { isBlockedRawValue } from './identity-policy';
import type { IdentityPolicy, Warning } from './types';

export interface NormalizedPhone {
  /** E.164, without extension. */
  phone: string | null;
  extension: string | null;
  warnings: Warning[];
}

const absent = (): NormalizedPhone => ({ phone: null, extension: null, warnings: [] });
const invalid = (): NormalizedPhone => ({ phone: null, extension: null, warnings: ['phone_invalid'] });
const blocked = (): NormalizedPhone => ({ phone: null, extension: null, warnings: ['phone_blocked'] });

// "UK" is not ISO 3166 but is what people (and some geo-IP services) send for Great Britain.
const COUNTRY_ALIASES: Readonly<Record<string, string>> = { UK: 'GB' };

/** An unusable hint is ignored rather than fatal: the number may well be international. */
export function toCountryCode(hint: string | null | undefined): CountryCode | undefined {
  if (typeof hint !== 'string') return undefined;
  const upper = hint.trim().toUpperCase();
  const code = COUNTRY_ALIASES[upper] ?? upper;
  return isSupportedCountry(code) ? code : undefined;
}

// 000-000-0000, 1111111111, 5555555555: placeholders, never a person (Segment blocks ^[0-]*$).
const isRepeatedDigit = (digits: string): boolean => digits.length > 0 && /^(\d)\1*$/.test(digits);

/**
 * `max` metadata because only it validates the national number against the real numbering plan;
 * `min` accepts anything of plausible length, and a wrong match on a phone merges two people.
 */
export function normalizePhone(raw: unknown, countryHint: string | null, policy: IdentityPolicy): NormalizedPhone {
  if (raw === null || raw === undefined) return absent();

  let text: string;
  if (typeof raw === 'string') {
    text = raw.trim();
  } else if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 0) {
    // Form tools often send the phone as a JSON number; its digits are still the number.
    text = String(raw);
  } else {
    return invalid();
  }

  if (text === '') return absent();
  if (isBlockedRawValue(text, policy)) return blocked();
  if (isRepeatedDigit(text.replace(/\D/g, ''))) return blocked();

  const defaultCountry = toCountryCode(countryHint) ?? toCountryCode(policy.defaultCountry);
  // The whole value must be the number (extract: false): pulling "a number somewhere in this
  // text" out of free text is how wrong matches are made. RFC 3966 `tel:` URIs are the one
  // structured exception, and the library parses them exactly only in extract mode.
  const isTelUri = /^tel:/i.test(text);
  const parsed = parsePhoneNumberFromString(text, { defaultCountry, extract: isTelUri });
  if (parsed === undefined) return invalid();
  if (isRepeatedDigit(parsed.nationalNumber)) return blocked();
  if (!parsed.isValid()) return invalid();

  return { phone: parsed.number, extension: parsed.ext ?? null, warnings: [] };
}
