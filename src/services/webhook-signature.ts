import { createHmac, timingSafeEqual } from 'node:crypto';
import { parseTimestampedHeader } from './signatures/scheme';

/**
 * The webhook signature scheme (docs/webhooks.md):
 *
 *   Contactflow-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + raw body)>[,v1=…]
 *
 * The timestamp is signed with the body, so a captured request cannot be replayed after the
 * tolerance window; several v1 values let a sender sign with both secrets during a rotation.
 */
export const SIGNATURE_HEADER = 'Contactflow-Signature';
export const DEFAULT_TOLERANCE_SECONDS = 300;


export function computeSignature(secret: string, timestamp: number, rawBody: Buffer | string): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
}

/** What a sender puts in the header: one v1 per secret it signs with. */
export function signatureHeaderValue(secrets: string | string[], timestamp: number, rawBody: Buffer | string): string {
  const list = Array.isArray(secrets) ? secrets : [secrets];
  return [`t=${timestamp}`, ...list.map((s) => `v1=${computeSignature(s, timestamp, rawBody)}`)].join(',');
}

export type SignatureFailure = 'missing' | 'malformed' | 'stale' | 'mismatch';

export interface VerifyInput {
  header: string | undefined;
  rawBody: Buffer;
  /** The account's active secrets (current, and previous during a rotation). */
  secrets: readonly string[];
  nowSeconds: number;
  toleranceSeconds: number;
}

export function verifySignature(input: VerifyInput): { ok: true } | { ok: false; reason: SignatureFailure } {
  if (!input.header) return { ok: false, reason: 'missing' };
  const parsed = parseHeader(input.header);
  if (!parsed) return { ok: false, reason: 'malformed' };
  // Both directions: a sender's clock may run ahead of ours as well as behind.
  if (Math.abs(input.nowSeconds - parsed.timestamp) > input.toleranceSeconds) return { ok: false, reason: 'stale' };

  let matched = false;
  for (const secret of input.secrets) {
    const expected = Buffer.from(computeSignature(secret, parsed.timestamp, input.rawBody), 'hex');
    for (const candidate of parsed.signatures) {
      // Constant time per comparison, and no early exit: timing says nothing about which matched.
      if (timingSafeEqual(expected, candidate)) matched = true;
    }
  }
  return matched ? { ok: true } : { ok: false, reason: 'mismatch' };
}

// Other schemes (v0, a future v2) are ignored, so senders can add them without breaking us.
function parseHeader(header: string): { timestamp: number; signatures: Buffer[] } | null {
  return parseTimestampedHeader(header, 'v1');
}
