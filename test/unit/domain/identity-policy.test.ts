import { defaultIdentityPolicy } from '../../../src/domain/identity-policy';

describe('defaultIdentityPolicy', () => {
  it('defaults to US and the PostHog/Segment style junk lists', () => {
    const policy = defaultIdentityPolicy();
    expect(policy.defaultCountry).toBe('US');
    for (const email of ['test@test.com', 'test@example.com', 'email@example.com']) {
      expect(policy.blockedEmails.has(email)).toBe(true);
    }
    for (const local of ['noreply', 'no-reply', 'donotreply', 'do-not-reply', 'mailer-daemon']) {
      expect(policy.blockedEmailLocalParts.has(local)).toBe(true);
    }
    for (const raw of ['', 'null', 'undefined', 'n/a', 'na', 'none', 'anonymous', 'guest', '[object object]', 'nan', '0', '-1']) {
      expect(policy.blockedRawValues.has(raw)).toBe(true);
    }
  });

  it('does not block whole reserved domains (fixtures use alice@example.com)', () => {
    expect(defaultIdentityPolicy().blockedEmails.has('alice@example.com')).toBe(false);
  });

  it('adds extras to the defaults, canonicalised (trimmed, lower-cased)', () => {
    const policy = defaultIdentityPolicy({
      defaultCountry: ' gb ',
      extraBlockedEmails: [' Fake@Corp.COM '],
      extraBlockedLocalParts: ['Bounce'],
      extraBlockedRawValues: ['  TBD '],
    });
    expect(policy.defaultCountry).toBe('GB');
    expect(policy.blockedEmails.has('fake@corp.com')).toBe(true);
    expect(policy.blockedEmails.has('test@test.com')).toBe(true);
    expect(policy.blockedEmailLocalParts.has('bounce')).toBe(true);
    expect(policy.blockedEmailLocalParts.has('noreply')).toBe(true);
    expect(policy.blockedRawValues.has('tbd')).toBe(true);
    expect(policy.blockedRawValues.has('null')).toBe(true);
  });

  it('returns independent sets on every call', () => {
    const a = defaultIdentityPolicy();
    (a.blockedRawValues as Set<string>).add('x');
    expect(defaultIdentityPolicy().blockedRawValues.has('x')).toBe(false);
  });
});
