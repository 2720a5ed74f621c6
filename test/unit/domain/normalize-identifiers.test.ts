import { defaultIdentityPolicy } from '../../../src/domain/identity-policy';
import { normalizeIdentifiers } from '../../../src/domain/normalize-identifiers';

const policy = defaultIdentityPolicy({ defaultCountry: 'US' });

describe('normalizeIdentifiers', () => {
  it('normalizes both identifiers and keeps the extension', () => {
    expect(
      normalizeIdentifiers({ email: ' Ann@Example.com ', phone: '07400 123456 ext. 4', country: 'GB' }, policy),
    ).toEqual({ email: 'ann@example.com', phone: '+447400123456', phoneExtension: '4', warnings: [] });
  });

  it('drops what is unusable with one warning each, email first', () => {
    expect(normalizeIdentifiers({ email: 'not-an-email', phone: '000 000 0000', country: null }, policy)).toEqual({
      email: null,
      phone: null,
      phoneExtension: null,
      warnings: ['email_invalid', 'phone_blocked'],
    });
  });

  it('one bad identifier does not drop the other', () => {
    expect(normalizeIdentifiers({ email: 'test@test.com', phone: '(212) 456-7890', country: null }, policy)).toEqual({
      email: null,
      phone: '+12124567890',
      phoneExtension: null,
      warnings: ['email_blocked'],
    });
  });

  it('neither present → nothing, no warnings', () => {
    expect(normalizeIdentifiers({ email: undefined, phone: '', country: 'FR' }, policy)).toEqual({
      email: null,
      phone: null,
      phoneExtension: null,
      warnings: [],
    });
  });
});
