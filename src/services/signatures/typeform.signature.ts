import { anyMatches, hmacSha256, type SignatureScheme } from './scheme';

const BASE64_SHA256 = /^[A-Za-z0-9+/]{43}=$/;

/**
 * Typeform (https://www.typeform.com/developers/webhooks/secure-your-webhooks/):
 *   Typeform-Signature: sha256=<base64 HMAC-SHA256(secret, raw body)>
 * No timestamp is signed: a replayed delivery is caught by idempotency (its event_id), not here.
 */
export const typeformSignature: SignatureScheme = {
  header: 'Typeform-Signature',
  format: 'sha256=<base64 digest>',
  timestamped: false,
  verify(input) {
    if (!input.header) return { ok: false, reason: 'missing' };
    const value = input.header.trim();
    if (!value.startsWith('sha256=') || !BASE64_SHA256.test(value.slice(7))) return { ok: false, reason: 'malformed' };
    const ok = anyMatches([Buffer.from(value.slice(7), 'base64')], input.secrets, (s) => hmacSha256(s, input.rawBody));
    return ok ? { ok: true } : { ok: false, reason: 'mismatch' };
  },
  sign(secret, rawBody) {
    return `sha256=${hmacSha256(secret, rawBody).toString('base64')}`;
  },
};
