import { defaultIdentityPolicy } from '../../../src/domain/identity-policy';
import { normalizePhone, toCountryCode } from '../../../src/domain/phone';

const us = defaultIdentityPolicy({ defaultCountry: 'US' });

type Row = [label: string, raw: unknown, hint: string | null, expected: string | null, extension?: string | null];

describe('normalizePhone: valid numbers → E.164', () => {
  it.each<Row>([
    // US
    ['US national with parens', '(415) 555-2671', 'US', '+14155552671'],
    ['US national dotted', '415.555.2671', 'US', '+14155552671'],
    ['US with trunk 1', '1 415 555 2671', 'US', '+14155552671'],
    ['US international', '+1 (212) 456-7890', null, '+12124567890'],
    ['US no hint → default country US', '212-456-7890', null, '+12124567890'],
    ['US as JSON number', 2124567890, null, '+12124567890'],
    ['US with x extension', '(415) 555-2671 x12', 'US', '+14155552671', '12'],
    ['US with ext. extension', '+1 415 555 2671 ext. 345', null, '+14155552671', '345'],
    ['US with # extension', '415.555.2671#9', 'US', '+14155552671', '9'],
    ['US tel: URI with ext', 'tel:+1-415-555-2671;ext=99', null, '+14155552671', '99'],
    ['US from abroad with IDD 011', '011 44 20 7946 0018', 'US', '+442079460018'],
    // GB
    ['GB London national', '020 7946 0018', 'GB', '+442079460018'],
    ['GB mobile national', '07400 123456', 'GB', '+447400123456'],
    ['GB international with (0)', '+44 (0)20 7946 0018', null, '+442079460018'],
    ['GB lower-case hint', '07400 123456', 'gb', '+447400123456'],
    ['GB via "UK" alias hint', '07400 123456', 'UK', '+447400123456'],
    ['GB mobile with extension', '+44 7400 123456 ext 7', 'GB', '+447400123456', '7'],
    // DE
    ['DE Berlin national', '030 12345678', 'DE', '+493012345678'],
    ['DE mobile national', '01512 3456789', 'DE', '+4915123456789'],
    ['DE international', '+49 30 1234567', null, '+49301234567'],
    ['DE with IDD 00 from DE', '0049 30 12345678', 'DE', '+493012345678'],
    ['GB number dialled from DE (00 44)', '00 44 20 7946 0018', 'DE', '+442079460018'],
    // FR
    ['FR landline national', '01 23 45 67 89', 'FR', '+33123456789'],
    ['FR mobile national', '06 12 34 56 78', 'FR', '+33612345678'],
    ['FR international dotted', '+33 6.12.34.56.78', 'US', '+33612345678'],
    // IN
    ['IN mobile national', '98765 43210', 'IN', '+919876543210'],
    ['IN Delhi landline', '011 2345 6789', 'IN', '+911123456789'],
    ['IN international', '+91-98765-43210', null, '+919876543210'],
    // BR
    ['BR São Paulo mobile', '(11) 91234-5678', 'BR', '+5511912345678'],
    ['BR Rio landline', '(21) 2345-6789', 'BR', '+552123456789'],
    ['BR international', '+55 11 91234 5678', 'IN', '+5511912345678'],
  ])('%s: %j (hint %s) → %s', (_label, raw, hint, expected, extension = null) => {
    expect(normalizePhone(raw, hint, us)).toEqual({ phone: expected, extension, warnings: [] });
  });
});

describe('normalizePhone: country hint vs default country', () => {
  it('uses the hint over the default country', () => {
    expect(normalizePhone('06 12 34 56 78', 'FR', us).phone).toBe('+33612345678');
    expect(normalizePhone('06 12 34 56 78', null, us).phone).toBeNull();
  });

  it('falls back to the policy default country when there is no hint', () => {
    const fr = defaultIdentityPolicy({ defaultCountry: 'FR' });
    expect(normalizePhone('06 12 34 56 78', null, fr).phone).toBe('+33612345678');
  });

  it('ignores an unknown hint and uses the default country', () => {
    const de = defaultIdentityPolicy({ defaultCountry: 'DE' });
    expect(normalizePhone('030 12345678', 'ZZ', de).phone).toBe('+493012345678');
    expect(normalizePhone('030 12345678', 'Germany', de).phone).toBe('+493012345678');
  });

  it('does not retry with the default country when the hinted parse is invalid (hint is authoritative)', () => {
    expect(normalizePhone('(415) 555-2671', 'GB', us)).toEqual({ phone: null, extension: null, warnings: ['phone_invalid'] });
  });

  it('an international number ignores both hint and default', () => {
    expect(normalizePhone('+55 21 2345 6789', 'DE', us).phone).toBe('+552123456789');
  });

  it('with no usable hint and no usable default, only international numbers parse', () => {
    const none = defaultIdentityPolicy({ defaultCountry: 'XX' });
    expect(normalizePhone('415 555 2671', null, none).warnings).toEqual(['phone_invalid']);
    expect(normalizePhone('+1 415 555 2671', null, none).phone).toBe('+14155552671');
  });

  it('toCountryCode canonicalises hints', () => {
    expect(toCountryCode(' br ')).toBe('BR');
    expect(toCountryCode('uk')).toBe('GB');
    expect(toCountryCode('XX')).toBeUndefined();
    expect(toCountryCode(null)).toBeUndefined();
  });
});

describe('normalizePhone: dropped numbers', () => {
  it.each<[string, unknown, string | null]>([
    ['too short', '555-1234', 'US'],
    ['unassigned US area code', '+1 123 456 7890', null],
    ['too long', '+44 20 7946 0018 1234', null],
    ['too short international', '+12345', null],
    ['letters', 'call me', 'US'],
    ['vanity letters', '1-800-FLOWERS', 'US'],
    ['number inside free text', 'call 415 555 2671 after 5pm', 'US'],
    ['two numbers', '415 555 2671 / 415 555 2672', 'US'],
    ['national without any country', '4155552671', 'XX'],
    ['DE number too short', '030 12', 'DE'],
    ['FR with wrong length', '06 12 34 56', 'FR'],
    ['IN with unassigned prefix', '5234 567890', 'IN'],
    ['IN mobile one digit short', '98765 4321', 'IN'],
    ['BR mobile missing the 9', '(11) 1234-567', 'BR'],
    ['negative number', -4155552671, 'US'],
    ['fractional number', 4155552671.5, 'US'],
    ['boolean', true, 'US'],
    ['object', { phone: '+14155552671' }, 'US'],
  ])('invalid: %s (%j) → phone_invalid', (_label, raw, hint) => {
    const policy = defaultIdentityPolicy({ defaultCountry: hint === 'XX' ? 'XX' : 'US' });
    expect(normalizePhone(raw, hint, policy)).toEqual({ phone: null, extension: null, warnings: ['phone_invalid'] });
  });

  it.each<[string, unknown]>([
    ['all zeros', '000-000-0000'],
    ['all zeros international', '+44 0000 000000'],
    ['all ones', '+1 111 111 1111'],
    ['all fives', '5555555555'],
    ['all sevens GB national', '7777 777777'],
    ['Segment-style dashes', '0-0-0'],
    ['zero', '0'],
    ['zero as number', 0],
    ['minus one', '-1'],
    ['null string', 'null'],
    ['N/A', 'N/A'],
    ['undefined string', 'undefined'],
    ['[object Object]', '[object Object]'],
  ])('blocked: %s (%j) → phone_blocked', (_label, raw) => {
    expect(normalizePhone(raw, 'US', us)).toEqual({ phone: null, extension: null, warnings: ['phone_blocked'] });
  });

  it.each<[unknown]>([[null], [undefined], [''], ['   ']])('absent %j → null without warning', (raw) => {
    expect(normalizePhone(raw, 'US', us)).toEqual({ phone: null, extension: null, warnings: [] });
  });

  it('honours extra blocked raw values', () => {
    const policy = defaultIdentityPolicy({ extraBlockedRawValues: ['TBD'] });
    expect(normalizePhone(' tbd ', 'US', policy).warnings).toEqual(['phone_blocked']);
  });

  it('is idempotent on its own output', () => {
    const once = normalizePhone('07400 123456', 'GB', us).phone;
    expect(normalizePhone(once, 'FR', us).phone).toBe(once);
  });
});
