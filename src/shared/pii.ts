/**
 * Free text (error messages, failure reasons) can carry an email or a phone that some library
 * echoed back. Logs and Bull Board must never show them, so anything that looks like one is masked.
 */
const EMAIL_LIKE = /[^\s"'<>@,;:()[\]]+@[^\s"'<>@,;:()[\]]+/g;
// 7+ digits with optional separators: catches phones without touching ids, ports or timestamps.
const PHONE_LIKE = /\+?\d(?:[\s().-]?\d){6,}/g;

export function maskPii(text: string): string {
  return text.replace(EMAIL_LIKE, '[email]').replace(PHONE_LIKE, (m) => (looksLikeTimestamp(m) ? m : '[phone]'));
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
