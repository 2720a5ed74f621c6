import { normalizeEmail } from '../../../src/domain/email';
import { defaultIdentityPolicy } from '../../../src/domain/identity-policy';

const policy = defaultIdentityPolicy({ extraBlockedEmails: ['spam@corp.com'], extraBlockedLocalParts: ['bounce'] });

describe('normalizeEmail', () => {
  describe.each<[string, unknown, string]>([
    ['lower-cases the whole address', 'Ann.Lee@Example.COM', 'ann.lee@example.com'],
    ['trims surrounding whitespace', '  ann@example.com\n\t', 'ann@example.com'],
    ['keeps plus-tags', 'Ann+Newsletter@Gmail.com', 'ann+newsletter@gmail.com'],
    ['keeps dots (no provider rewriting)', 'a.n.n@gmail.com', 'a.n.n@gmail.com'],
    ['keeps googlemail as is', 'ann@googlemail.com', 'ann@googlemail.com'],
    ['accepts subdomains', 'ann@mail.eu.example.co.uk', 'ann@mail.eu.example.co.uk'],
    ['accepts hyphens and digits', 'ann-2@my-company1.io', 'ann-2@my-company1.io'],
    ['IDN domain → punycode', 'ann@bücher.de', 'ann@xn--bcher-kva.de'],
    ['IDN domain upper-case → same punycode', 'ANN@BÜCHER.DE', 'ann@xn--bcher-kva.de'],
    ['punycode input stays punycode', 'ann@xn--bcher-kva.de', 'ann@xn--bcher-kva.de'],
    ['full-width domain is mapped (UTS #46)', 'ann@ｅｘａｍｐｌｅ.com', 'ann@example.com'],
    ['IDN TLD', 'info@例え.テスト', 'info@xn--r8jz45g.xn--zckzah'],
    ['UTF-8 local part kept, lower-cased, NFC', 'JOSE\u0301@example.com', 'josé@example.com'],
    ['quoted local part', '"ann lee"@example.com', '"ann lee"@example.com'],
    ['a local part that only starts like a blocked one', 'noreplyann@example.com', 'noreplyann@example.com'],
  ])('%s', (_name, raw, expected) => {
    it(`${JSON.stringify(raw)} → ${expected}`, () => {
      expect(normalizeEmail(raw, policy)).toEqual({ email: expected, warnings: [] });
    });
  });

  it.each<[unknown]>([[null], [undefined], [''], ['   '], ['\n']])('absent %j → null without warning', (raw) => {
    expect(normalizeEmail(raw, policy)).toEqual({ email: null, warnings: [] });
  });

  it.each<[unknown]>([
    ['ann'],
    ['ann@'],
    ['@example.com'],
    ['ann@example'],
    ['ann@localhost'],
    ['ann@1.2.3.4'],
    ['ann@example.c'],
    ['ann@example.com.'],
    ['ann..lee@example.com'],
    ['.ann@example.com'],
    ['ann lee@example.com'],
    ['ann@exa mple.com'],
    ['ann@@example.com'],
    ['Ann Lee <ann@example.com>'],
    ['mailto:ann@example.com'],
    ['ann@example.com, bob@example.com'],
    [`${'a'.repeat(65)}@example.com`],
    [`ann@${'a'.repeat(250)}.com`],
    [42],
    [true],
    [{ email: 'ann@example.com' }],
    [['ann@example.com']],
  ])('invalid %j → null + email_invalid', (raw) => {
    expect(normalizeEmail(raw, policy)).toEqual({ email: null, warnings: ['email_invalid'] });
  });

  it.each<[string]>([
    ['test@test.com'],
    ['TEST@Example.com'],
    [' email@example.com '],
    ['noreply@shop.com'],
    ['No-Reply@shop.com'],
    ['donotreply@shop.com'],
    ['do-not-reply@shop.com'],
    ['MAILER-DAEMON@mx.shop.com'],
    ['noreply+bounce-123@shop.com'],
    ['spam@corp.com'],
    ['bounce@corp.com'],
    ['null'],
    ['undefined'],
    ['N/A'],
    ['none'],
    ['[object Object]'],
    ['anonymous'],
  ])('blocked %j → null + email_blocked', (raw) => {
    expect(normalizeEmail(raw, policy)).toEqual({ email: null, warnings: ['email_blocked'] });
  });

  it('is idempotent on its own output', () => {
    const once = normalizeEmail('ANN@BÜCHER.DE', policy).email;
    expect(normalizeEmail(once, policy)).toEqual({ email: once, warnings: [] });
  });
});
