import fc from 'fast-check';
import { compareCodePoints, contactSearchKeys, matchesPrefixes, nameSortKey, searchPrefixes } from '../../../src/domain/contact-search';
import type { CapturedField } from '../../../src/domain/types';

const f = (value: CapturedField['value']): CapturedField => ({ value, source: 's', setAt: new Date(0), activityId: 'a' });
const names = (first?: CapturedField['value'], last?: CapturedField['value']) => ({
  ...(first === undefined ? {} : { firstName: f(first) }),
  ...(last === undefined ? {} : { lastName: f(last) }),
});

describe('contactSearchKeys', () => {
  it('holds the email, the phone’s digits, the names and "first last", lower-cased', () => {
    expect(contactSearchKeys({ email: 'ada@example.com', phone: '+14155550100', fields: names(' Ada ', 'LOVELACE') })).toEqual({
      terms: ['14155550100', 'ada', 'ada lovelace', 'ada@example.com', 'lovelace'],
      name: '0lovelace\u0001ada',
    });
  });

  it('ignores a cleared name (tombstone) and non-text values', () => {
    expect(contactSearchKeys({ email: null, phone: null, fields: names(null, 42) })).toEqual({ terms: [], name: '1' });
  });

  it('cuts long terms to 100 code points without splitting a surrogate pair', () => {
    const long = '😀'.repeat(150);
    const { terms } = contactSearchKeys({ email: null, phone: null, fields: names(long) });
    expect(Array.from(terms[0]!)).toHaveLength(100);
    expect(terms[0]).toBe('😀'.repeat(100)); // whole pairs only: no lone surrogate
  });
});

describe('nameSortKey', () => {
  it.each<[string, ReturnType<typeof names>, ReturnType<typeof names>]>([
    ['by last name first', names('Zed', 'Adams'), names('Ada', 'Brown')],
    ['then by first name', names('Ada', 'Brown'), names('Bob', 'Brown')],
    ['case-insensitively', names('ada', 'brown'), names('Bob', 'BROWN')],
    ['a shorter last name is a prefix, not a tie ("a"/"zz" before "ab"/"z")', names('zz', 'a'), names('z', 'ab')],
    ['no last name before any last name', names('Zed'), names('Ada', 'Adams')],
    ['every named contact before a nameless one', names(undefined, 'Zzz'), {}],
  ])('%s', (_name, before, after) => {
    expect(compareCodePoints(nameSortKey({ fields: before }), nameSortKey({ fields: after }))).toBeLessThan(0);
  });
});

describe('searchPrefixes', () => {
  it.each<[string, string[]]>([
    ['Ada', ['ada']],
    ['  ADA@Example ', ['ada@example']],
    ['+1 (415) 555', ['+1 (415) 555', '1415555']],
    ['1415', ['1415']],
    ['415-555', ['415-555', '415555']],
    ['a.b*', ['a.b*']],
    ['   ', []],
  ])('%s → %j', (q, expected) => {
    expect(searchPrefixes(q)).toEqual(expected);
  });

  it('matches a contact when one of its terms starts with one of the prefixes', () => {
    const keys = contactSearchKeys({ email: 'ada@example.com', phone: '+14155550100', fields: names('Ada', 'Lovelace') });
    for (const q of ['ad', 'ADA@', 'love', 'ada lo', '+1 415', '1415555']) expect(matchesPrefixes(keys, searchPrefixes(q))).toBe(true);
    for (const q of ['example', 'velace', '4155550100', 'lovelace ada']) expect(matchesPrefixes(keys, searchPrefixes(q))).toBe(false);
  });
});

describe('compareCodePoints', () => {
  it('orders strings as MongoDB compares their UTF-8 bytes (code points), not as UTF-16 units', () => {
    expect(compareCodePoints('\uffff', '😀')).toBeLessThan(0); // "<" would say the opposite
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
        const bytes = Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
        expect(Math.sign(compareCodePoints(a, b))).toBe(bytes);
      }),
    );
  });
});
