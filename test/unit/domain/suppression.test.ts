import { createHash, createHmac } from 'node:crypto';
import { createSuppressionHasher, MIN_SUPPRESSION_KEY_LENGTH } from '../../../src/domain';

const KEY = 'test-suppression-key-0123456789abcdef';

describe('suppression hashes (identity rule 8)', () => {
  const hasher = createSuppressionHasher(KEY);

  it('is HMAC-SHA256 of account \\0 kind \\0 normalized value under the key, in hex', () => {
    const expected = createHmac('sha256', KEY).update('acme\0email\0ada@example.com').digest('hex');
    expect(hasher.hashOf('acme', 'email', 'ada@example.com')).toBe(expected);
    expect(expected).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is not the plain sha256 of the value, so a dump cannot be matched against guessed emails without the key', () => {
    expect(hasher.hashOf('acme', 'email', 'ada@example.com')).not.toBe(createHash('sha256').update('ada@example.com').digest('hex'));
    expect(hasher.hashOf('acme', 'email', 'ada@example.com')).not.toBe(createHash('sha256').update('acme\0email\0ada@example.com').digest('hex'));
    expect(createSuppressionHasher('another-key-0123456789abcdefghijklm').hashOf('acme', 'email', 'ada@example.com')).not.toBe(
      hasher.hashOf('acme', 'email', 'ada@example.com'),
    );
  });

  it('differs per account and per kind, and is stable for the same input', () => {
    const a = hasher.hashOf('acme', 'email', 'ada@example.com');
    expect(hasher.hashOf('acme', 'email', 'ada@example.com')).toBe(a);
    expect(hasher.hashOf('globex', 'email', 'ada@example.com')).not.toBe(a);
    expect(hasher.hashOf('acme', 'phone', 'ada@example.com')).not.toBe(a);
    // The separator keeps (account, value) pairs apart: "ac" + "me\0…" is not "acme" + "…".
    expect(hasher.hashOf('ac', 'email', 'me\0email\0ada@example.com')).not.toBe(a);
  });

  it.each([
    [{ email: 'ada@example.com', phone: '+14155552671' }, ['email', 'phone']],
    [{ email: 'ada@example.com', phone: null }, ['email']],
    [{ email: null, phone: '+14155552671' }, ['phone']],
    [{ email: null, phone: null }, []],
  ])('hashes whichever identifiers are present: %j', (ids, kinds) => {
    const hashes = hasher.hashes('acme', ids);
    expect(hashes.map((h) => h.kind)).toEqual(kinds);
    for (const h of hashes) expect(h.hash).toBe(hasher.hashOf('acme', h.kind, h.kind === 'email' ? ids.email! : ids.phone!));
  });

  it(`refuses a key shorter than ${MIN_SUPPRESSION_KEY_LENGTH} characters`, () => {
    expect(() => createSuppressionHasher('short')).toThrow(/at least 32 characters/);
    expect(() => createSuppressionHasher('x'.repeat(MIN_SUPPRESSION_KEY_LENGTH))).not.toThrow();
  });
});
