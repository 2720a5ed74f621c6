import { domainToASCII } from 'node:url';
import isEmail from 'validator/lib/isEmail';
import { isBlockedRawValue } from './identity-policy';
import type { IdentityPolicy, Warning } from './types';

export interface NormalizedEmail {
  email: string | null;
  warnings: Warning[];
}

// Explicit so a validator upgrade that changes a default cannot silently change who matches whom.
const IS_EMAIL_OPTIONS = {
  allow_display_name: false,
  require_tld: true,
  allow_ip_domain: false,
  allow_utf8_local_part: true,
  // Gmail-specific checks would be provider-specific rewriting in disguise: the design forbids it.
  domain_specific_validation: false,
  ignore_max_length: false,
} as const;

// Fresh objects each time: callers may push further warnings onto the array.
const absent = (): NormalizedEmail => ({ email: null, warnings: [] });
const invalid = (): NormalizedEmail => ({ email: null, warnings: ['email_invalid'] });
const blocked = (): NormalizedEmail => ({ email: null, warnings: ['email_blocked'] });

/**
 * The local part is lower-cased too (the design asks for it): in practice mailbox names are
 * case-insensitive, and two contacts for `Ann@x.com` and `ann@x.com` would be the worse error.
 * Dots and `+tags` are kept: whether they matter is the provider's business, not ours.
 */
export function normalizeEmail(raw: unknown, policy: IdentityPolicy): NormalizedEmail {
  if (raw === null || raw === undefined) return absent();
  if (typeof raw !== 'string') return invalid();

  const trimmed = raw.trim();
  if (trimmed === '') return absent();
  if (isBlockedRawValue(trimmed, policy)) return blocked();

  // NFC first so a composed and a decomposed "é" in a local part are the same address.
  const lowered = trimmed.normalize('NFC').toLowerCase();
  const at = lowered.lastIndexOf('@');
  if (at <= 0 || at === lowered.length - 1) return invalid();

  const localPart = lowered.slice(0, at);
  // IDN domains are stored as punycode (A-labels): `bücher.de`, `BÜCHER.de` and `xn--bcher-kva.de`
  // are one domain, so they must be one identifier. domainToASCII also applies UTS #46 mapping
  // (full-width letters...) and returns '' for what cannot be a domain.
  const domain = domainToASCII(lowered.slice(at + 1));
  if (domain === '') return invalid();

  const email = `${localPart}@${domain}`;
  if (!isEmail(email, IS_EMAIL_OPTIONS)) return invalid();

  if (policy.blockedEmails.has(email)) return blocked();
  // `noreply+bounce-123@x.com` is still an automated sender: compare without the +tag.
  const plusAt = localPart.indexOf('+');
  const baseLocalPart = plusAt > 0 ? localPart.slice(0, plusAt) : localPart;
  if (policy.blockedEmailLocalParts.has(localPart) || policy.blockedEmailLocalParts.has(baseLocalPart)) {
    return blocked();
  }

  return { email, warnings: [] };
}
