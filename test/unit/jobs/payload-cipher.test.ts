import { randomBytes } from 'node:crypto';
import { createJobSealer } from '../../../src/jobs/activities.queue';
import { createPayloadCipher, decodePayloadKey, generatePayloadKey, keyId, SealedPayloadError } from '../../../src/jobs/payload-cipher';

describe('payload cipher (AES-256-GCM)', () => {
  const key = randomBytes(32);
  const cipher = createPayloadCipher(key);

  it('opens what it sealed, and the sealed text names the key without holding the plaintext', () => {
    const sealed = cipher.seal('{"email":"ada@example.com"}', 'acct\0act_1');
    expect(sealed).toMatch(new RegExp(`^v1\\.${keyId(key)}\\.`));
    expect(sealed).not.toContain('ada@example.com');
    expect(cipher.open(sealed, 'acct\0act_1')).toBe('{"email":"ada@example.com"}');
    // A fresh IV each time: the same payload never seals to the same text.
    expect(cipher.seal('x', 'a')).not.toBe(cipher.seal('x', 'a'));
  });

  it('refuses a payload moved to another job, altered, or sealed under a key it does not hold', () => {
    const sealed = cipher.seal('{"phone":"+14155550123"}', 'acct\0act_1');
    expect(() => cipher.open(sealed, 'acct\0act_2')).toThrow(SealedPayloadError);
    const parts = sealed.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    expect(() => cipher.open(parts.join('.'), 'acct\0act_1')).toThrow(SealedPayloadError);
    expect(() => createPayloadCipher(randomBytes(32)).open(sealed, 'acct\0act_1')).toThrow(/not configured/);
    expect(() => cipher.open('plain text', 'acct\0act_1')).toThrow(SealedPayloadError);
  });

  it('during a rotation, the previous key still opens what was sealed before it', () => {
    const next = randomBytes(32);
    const old = cipher.seal('before', 'b');
    const rotated = createPayloadCipher(next, [key]);
    expect(rotated.open(old, 'b')).toBe('before');
    expect(rotated.seal('after', 'b')).toMatch(new RegExp(`^v1\\.${keyId(next)}\\.`));
  });

  it('reads PAYLOAD_KEY as base64, base64url or hex of exactly 32 bytes', () => {
    const raw = randomBytes(32);
    expect(decodePayloadKey(raw.toString('base64'))).toEqual(raw);
    expect(decodePayloadKey(raw.toString('base64url'))).toEqual(raw);
    expect(decodePayloadKey(raw.toString('hex'))).toEqual(raw);
    expect(decodePayloadKey(generatePayloadKey())).toHaveLength(32);
    expect(decodePayloadKey(randomBytes(16).toString('base64'))).toBeNull();
    expect(decodePayloadKey('short')).toBeNull();
  });

  it('a job sealed for one account does not open as another account\'s job', () => {
    const sealer = createJobSealer(cipher);
    const stored = sealer.seal({ kind: 'activity', account: 'a', activityId: 'act_1', receivedAt: '2026-01-01T00:00:00Z', payload: { email: 'x@y.z' } });
    expect(() => sealer.open({ ...stored, account: 'b' })).toThrow(SealedPayloadError);
    expect(() => sealer.open({ ...stored, kind: 'page-view' })).toThrow(SealedPayloadError);
    expect(sealer.open({ ...stored, reprocess: true })).toMatchObject({ account: 'a', reprocess: true, payload: { email: 'x@y.z' } });
  });
});
