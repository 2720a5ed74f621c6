import { anyMatches, HEX_SHA256, hmacSha256, type SignatureScheme } from './scheme';

/**
 * Cal.com (https://cal.com/docs/developing/guides/automation/webhooks, and `X-Cal-Signature-256` in
 * calcom/cal.com's webhook sender):
 *   X-Cal-Signature-256: <hex HMAC-SHA256(secret, raw body)>
 * No timestamp is signed: a replayed delivery is caught by idempotency (the same trigger and
 * booking uid map to the same activity), not by the signature.
 */
export const calcomSignature: SignatureScheme = {
  header: 'X-Cal-Signature-256',
  format: '<64 hex digits>',
  timestamped: false,
  verify(input) {
    if (!input.header) return { ok: false, reason: 'missing' };
    const value = input.header.trim();
    if (!HEX_SHA256.test(value)) return { ok: false, reason: 'malformed' };
    const ok = anyMatches([Buffer.from(value, 'hex')], input.secrets, (s) => hmacSha256(s, input.rawBody));
    return ok ? { ok: true } : { ok: false, reason: 'mismatch' };
  },
  sign(secret, rawBody) {
    return hmacSha256(secret, rawBody).toString('hex');
  },
};
