import { mergeFields } from '../../../src/domain';
import type { CanonicalActivity, FieldDefinition } from '../../../src/domain/types';

const activity = (value: unknown): CanonicalActivity => ({
  id: 'act_1', type: 't', source: 'form', occurredAt: new Date('2026-01-01T00:00:00Z'), email: null, phone: null, country: null,
  fields: { website: value as string }, visitorId: null, externalId: null,
});
const defs = new Map<string, FieldDefinition>([['website', { key: 'website', type: 'url' }]]);
const merge = (value: unknown) => mergeFields({}, activity(value), { fieldDefinitions: defs, recentLimit: 20, defaultCountry: 'US' });

describe('url fields', () => {
  it.each([
    ['https://acme.example.com/pricing?plan=pro', 'https://acme.example.com/pricing?plan=pro'],
    ['http://acme.example.com', 'http://acme.example.com'],
    ['  acme.example.com/about ', 'https://acme.example.com/about'],
    ['www.acme.co.uk', 'https://www.acme.co.uk'],
    ['acme.example.com:8080/x', 'https://acme.example.com:8080/x'],
  ])('keeps a web address %j as %j', (value, stored) => {
    const { fields, warnings } = merge(value);
    expect(warnings).toEqual([]);
    expect(fields.website?.value).toBe(stored);
  });

  it.each(['javascript:alert(1)', 'mailto:a@b.example', 'ftp://files.example.com', 'not a url', 'localhost', 'https://', 42, true, `https://a.example/${'x'.repeat(2100)}`])(
    'drops %j with a warning',
    (value) => {
      const { fields, warnings } = merge(value);
      expect(fields).toEqual({});
      expect(warnings).toEqual(['field_type_mismatch:website']);
    },
  );
});
