import { createCipheriv, createDecipheriv, hash, randomBytes, randomFillSync } from 'node:crypto';

/**
 * AES-256-GCM for what jobs carry at rest in Redis. A sealed value is
 * `v1.<key id>.<iv>.<ciphertext>.<tag>` (base64url), so a worker holding the previous key during a
 * rotation opens what an older producer sealed. The additional data binds a ciphertext to its job:
 * a payload copied into another job (or another account's) does not open there.
 */
export interface PayloadCipher {
  seal(plaintext: string, boundTo: string): string;
  /** Throws SealedPayloadError when no configured key opens it or it was altered. */
  open(sealed: string, boundTo: string): string;
}

export class SealedPayloadError extends Error {
  readonly code = 'sealed_payload';
}

export const PAYLOAD_KEY_BYTES = 32;
const IV_BYTES = 12;

export function createPayloadCipher(current: Buffer, previous: Buffer[] = []): PayloadCipher {
  const keys = new Map<string, Buffer>();
  for (const key of [current, ...previous]) {
    if (key.length !== PAYLOAD_KEY_BYTES) throw new Error(`a payload key must be ${PAYLOAD_KEY_BYTES} bytes`);
    keys.set(keyId(key), key);
  }
  const currentId = keyId(current);

  return {
    seal(plaintext, boundTo) {
      const iv = nextIv();
      const cipher = createCipheriv('aes-256-gcm', current, iv);
      cipher.setAAD(Buffer.from(boundTo, 'utf8'));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return ['v1', currentId, iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
    },
    open(sealed, boundTo) {
      const [version, id, iv, body, tag] = sealed.split('.');
      if (version !== 'v1' || iv === undefined || body === undefined || tag === undefined) throw new SealedPayloadError('sealed_payload: not a sealed payload');
      const key = keys.get(id!);
      if (!key) throw new SealedPayloadError(`sealed_payload: sealed with key ${id}, which is not configured (PAYLOAD_KEY / PAYLOAD_KEY_PREVIOUS)`);
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        decipher.setAAD(Buffer.from(boundTo, 'utf8'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        throw new SealedPayloadError('sealed_payload: the payload does not open under its key (altered or moved)');
      }
    },
  };
}

// Random IVs drawn from a pool refilled from the CSPRNG: each 12 bytes are used once, as with a
// randomBytes(12) per payload, at a fraction of its cost (one call per 4,096 payloads).
const IV_POOL = Buffer.alloc(IV_BYTES * 4096);
let ivOffset = IV_POOL.length;

function nextIv(): Buffer {
  if (ivOffset + IV_BYTES > IV_POOL.length) {
    randomFillSync(IV_POOL);
    ivOffset = 0;
  }
  // A copy: the pool is refilled later, and the IV must stay what it was for this payload.
  return Buffer.from(IV_POOL.subarray(ivOffset, (ivOffset += IV_BYTES)));
}

/** Public and stable: names the key in each sealed value without revealing it. */
export function keyId(key: Buffer): string {
  return hash('sha256', key, 'hex').slice(0, 8);
}

/** PAYLOAD_KEY is 32 bytes, written as base64 / base64url (43–44 characters) or hex (64). */
export function decodePayloadKey(text: string): Buffer | null {
  const s = text.trim();
  const bytes = /^[0-9a-fA-F]{64}$/.test(s) ? Buffer.from(s, 'hex') : /^[A-Za-z0-9+/_-]{43}={0,1}$/.test(s) ? Buffer.from(s, 'base64') : null;
  return bytes && bytes.length === PAYLOAD_KEY_BYTES ? bytes : null;
}

export function generatePayloadKey(): string {
  return randomBytes(PAYLOAD_KEY_BYTES).toString('base64url');
}
