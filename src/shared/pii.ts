/**
 * Free text (error messages, failure reasons) can carry an email or a phone that some library
 * echoed back. Logs and Bull Board must never show them, so anything that looks like one is masked.
 * Both passes are linear in the text, and the text is bounded first: a hostile payload's reason
 * (a 60,000-character key, say) costs no more than a reasonable one.
 */
export const MAX_MASKED_LENGTH = 2_000;

// Runs of characters that can belong to an address; a run holding an inner "@" is masked whole.
// A token-wide match never backtracks, unlike a pattern anchored on both sides of "@".
const TOKEN = /[^\s"'<>,;:()[\]]+/g;
// 7+ digits, at most two separators between two of them: catches phones without touching ids, ports or timestamps.
const PHONE_LIKE = /\+?\d(?:[\s().-]{0,2}\d){6,}/g;

export function maskPii(text: string): string {
  const bounded = text.length > MAX_MASKED_LENGTH ? `${text.slice(0, MAX_MASKED_LENGTH)}…` : text;
  return bounded
    .replace(TOKEN, (t) => (looksLikeEmail(t) ? '[email]' : t))
    .replace(PHONE_LIKE, (m) => (looksLikeTimestamp(m) ? m : '[phone]'));
}

function looksLikeEmail(token: string): boolean {
  const at = token.indexOf('@');
  return at > 0 && at < token.length - 1;
}

function looksLikeTimestamp(m: string): boolean {
  // ISO dates ("2026-11-25") and epoch millis are not phones.
  return /^\d{4}-\d{2}-\d{2}/.test(m) || /^\d{13}$/.test(m);
}

/** pino redact paths for structured fields that hold identifiers or raw payloads. */
export const REDACT_PATHS = [
  'email',
  'phone',
  '*.email',
  '*.phone',
  'payload',
  '*.payload',
  'body',
  '*.body',
  'req.headers.authorization',
  'req.headers["contactflow-signature"]',
  'headers.authorization',
];
