import { MAX_MASKED_LENGTH, maskPii } from '../../../src/shared/pii';

describe('maskPii', () => {
  it.each([
    ['invalid_payload: email ada.lovelace@example.com is taken', 'invalid_payload: email [email] is taken'],
    ['E11000 dup key: { email: "grace@navy.example" }', 'E11000 dup key: { email: "[email]" }'],
    ['phone +1 (415) 555-2671 refused', 'phone [phone] refused'],
    ['at 2026-11-25T09:00:00Z, job 1732525200000, port 6379', 'at 2026-11-25T09:00:00Z, job 1732525200000, port 6379'],
    ['a lone @ or user@ or @host is not an address', 'a lone @ or user@ or @host is not an address'],
  ])('%s', (input, masked) => {
    expect(maskPii(input)).toBe(masked);
  });

  it('bounds what it returns, whatever it is given', () => {
    expect(maskPii('x'.repeat(100_000))).toHaveLength(MAX_MASKED_LENGTH + 1);
  });

  // Work, not time: the regular expressions are called on the bounded text only, and each pass
  // visits a character once; a pattern anchored on both sides of "@" was quadratic on such input.
  it('masks a hostile 60,000-character key by looking at its first characters only', () => {
    const hostile = `field_key_invalid:${'a'.repeat(60_000)}@${'b'.repeat(10)}`;
    const masked = maskPii(hostile);
    expect(masked.length).toBeLessThanOrEqual(MAX_MASKED_LENGTH + 1);
    expect(masked.startsWith('field_key_invalid:aaa')).toBe(true);
  });
});
