import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * One provider's webhook signature scheme: which header carries it, what it looks like, how to
 * verify it over the raw bytes (and, for tests and docs, how the provider computes it).
 * Every scheme is a pure function of its inputs: no clock, no store.
 */
export interface SignatureScheme {
  /** The header the provider sends (compared case-insensitively by HTTP). */
  header: string;
  /** What a well-formed header looks like, for the 401 detail. */
  format: string;
  /** Whether the signed message carries a timestamp (checked against the tolerance). */
  timestamped: boolean;
  verify(input: SchemeInput): VerifyResult;
  /** The header value the provider would send for `rawBody` with `secret` (at `timestamp` when timestamped). */
  sign(secret: string, rawBody: Buffer | string, timestamp: number): string;
}

export interface SchemeInput {
  header: string | undefined;
  rawBody: Buffer;
  /** The account's active secrets for the provider (current, and previous during a rotation). */
  secrets: readonly string[];
  nowSeconds: number;
  toleranceSeconds: number;
}

export type SignatureFailure = 'missing' | 'malformed' | 'stale' | 'mismatch';
export type VerifyResult = { ok: true } | { ok: false; reason: SignatureFailure };

export function hmacSha256(secret: string, ...parts: (Buffer | string)[]): Buffer {
  const h = createHmac('sha256', secret);
  for (const p of parts) h.update(p);
  return h.digest();
}

/**
 * Whether any candidate equals the HMAC computed with any secret. Constant time per comparison and
 * no early exit, so timing says nothing about which secret or candidate matched. Candidates of the
 * wrong length never match (timingSafeEqual needs equal lengths).
 */
export function anyMatches(candidates: readonly Buffer[], secrets: readonly string[], compute: (secret: string) => Buffer): boolean {
  let matched = false;
  for (const secret of secrets) {
    const expected = compute(secret);
    for (const c of candidates) {
      if (c.length === expected.length && timingSafeEqual(expected, c)) matched = true;
    }
  }
  return matched;
}

/** Both directions: a sender's clock may run ahead of ours as well as behind. */
export function isStale(timestamp: number, input: SchemeInput): boolean {
  return Math.abs(input.nowSeconds - timestamp) > input.toleranceSeconds;
}

export const HEX_SHA256 = /^[0-9a-f]{64}$/i;
/** A header with more signatures than a rotation needs is refused rather than checked. */
const MAX_SIGNATURES = 8;

/**
 * Parses `t=<unix seconds>,<key>=<hex>[,<key>=<hex>…]` (OnceHub's `s`, Calendly's `v1`): the
 * timestamp once, at most 8 signatures; other keys are ignored so a provider can add schemes.
 */
export function parseTimestampedHeader(header: string, signatureKey: string): { timestamp: number; signatures: Buffer[] } | null {
  let timestamp: number | null = null;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) return null;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      if (!/^\d{1,12}$/.test(value) || timestamp !== null) return null;
      timestamp = Number(value);
    } else if (key === signatureKey) {
      if (!HEX_SHA256.test(value)) return null;
      signatures.push(Buffer.from(value, 'hex'));
    }
  }
  if (timestamp === null || signatures.length === 0 || signatures.length > MAX_SIGNATURES) return null;
  return { timestamp, signatures };
}

/** HMAC-SHA256(secret, t + "." + raw body) in hex, behind `t=…,<key>=…`: OnceHub and Calendly. */
export function timestampedHexScheme(header: string, signatureKey: string): SignatureScheme {
  const compute = (secret: string, t: number, body: Buffer | string) => hmacSha256(secret, `${t}.`, body);
  return {
    header,
    format: `t=<unix seconds>,${signatureKey}=<64 hex digits>`,
    timestamped: true,
    verify(input) {
      if (!input.header) return { ok: false, reason: 'missing' };
      const parsed = parseTimestampedHeader(input.header, signatureKey);
      if (!parsed) return { ok: false, reason: 'malformed' };
      if (isStale(parsed.timestamp, input)) return { ok: false, reason: 'stale' };
      const ok = anyMatches(parsed.signatures, input.secrets, (s) => compute(s, parsed.timestamp, input.rawBody));
      return ok ? { ok: true } : { ok: false, reason: 'mismatch' };
    },
    sign(secret, rawBody, timestamp) {
      return `t=${timestamp},${signatureKey}=${compute(secret, timestamp, rawBody).toString('hex')}`;
    },
  };
}
