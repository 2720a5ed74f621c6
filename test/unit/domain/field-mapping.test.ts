import fc from 'fast-check';
import { applyActivity, newContactState } from '../../../src/domain/contact-merge';
import { mapSourceFields, sourceNameKey } from '../../../src/domain/field-mapping';
import type { CanonicalActivity, FieldDefinition, FieldValue, MergeOptions } from '../../../src/domain/types';

const defs: FieldDefinition[] = [
  { key: 'company', type: 'text', sourceNames: ['Company Name', 'organization'] },
  { key: 'seats', type: 'number', sourceNames: ['team_size'] },
  { key: 'signupCampaign', type: 'text', setOnce: true, sourceNames: ['utm_campaign'] },
];
const definitions = new Map(defs.map((d) => [d.key, d]));

describe('mapSourceFields', () => {
  it.each<[string, Record<string, FieldValue>, Record<string, FieldValue>, string[]]>([
    ['own key kept', { company: 'Acme' }, { company: 'Acme' }, []],
    ['source name renamed', { 'Company Name': 'Acme' }, { company: 'Acme' }, []],
    ['case and separators ignored', { company_name: 'Acme', 'TEAM-SIZE': 5 }, { company: 'Acme', seats: 5 }, []],
    ['unmapped names stay custom fields', { favourite_colour: 'teal' }, { favourite_colour: 'teal' }, []],
    ['own key beats a source name', { organization: 'Other', company: 'Acme' }, { company: 'Acme' }, ['field_mapping_conflict:company']],
    ['first source name in sorted order wins', { organization: 'B', 'Company Name': 'A' }, { company: 'A' }, ['field_mapping_conflict:company']],
    ['__proto__ stays a plain key', JSON.parse('{"__proto__": "x"}'), JSON.parse('{"__proto__": "x"}'), []],
  ])('%s', (_name, input, fields, warnings) => {
    const out = mapSourceFields(input, definitions);
    expect(out.fields).toEqual(fields);
    expect(Object.getPrototypeOf(out.fields)).toBe(Object.prototype);
    expect(out.warnings).toEqual(warnings);
  });

  it('maps by the definitions it is given, each map with its own source names', () => {
    const other = new Map<string, FieldDefinition>([['employer', { key: 'employer', type: 'text', sourceNames: ['organization'] }]]);
    expect(mapSourceFields({ organization: 'Acme' }, definitions).fields).toEqual({ company: 'Acme' });
    expect(mapSourceFields({ organization: 'Acme' }, other).fields).toEqual({ employer: 'Acme' });
    expect(mapSourceFields({ organization: 'Acme' }, new Map()).fields).toEqual({ organization: 'Acme' });
    expect(mapSourceFields({ organization: 'Acme' }, definitions).fields).toEqual({ company: 'Acme' });
  });

  it('normalizes names without locale surprises', () => {
    expect(sourceNameKey('Company Name')).toBe(sourceNameKey('company_name'));
    expect(sourceNameKey('Größe')).toBe('größe');
  });

  it('does not depend on the order of keys in the payload', () => {
    const names = ['company', 'Company Name', 'organization', 'team_size', 'seats', 'utm_campaign', 'x'];
    fc.assert(
      fc.property(fc.shuffledSubarray(names, { minLength: 1 }), fc.array(fc.string(), { minLength: 7, maxLength: 7 }), (keys, values) => {
        const a = Object.fromEntries(keys.map((k, i) => [k, values[i]!]));
        const b = Object.fromEntries([...keys].reverse().map((k) => [k, a[k]!]));
        expect(mapSourceFields(a, definitions)).toEqual(mapSourceFields(b, definitions));
      }),
    );
  });
});

describe('mapped fields merge by their contact key', () => {
  const opts: MergeOptions = { fieldDefinitions: definitions, recentLimit: 20, defaultCountry: 'US' };
  const act = (id: string, at: string, fields: Record<string, FieldValue>): CanonicalActivity => ({
    id,
    type: 'form.submitted',
    source: 'form',
    occurredAt: new Date(at),
    email: null,
    phone: null,
    country: null,
    fields,
    visitorId: null,
    externalId: null,
  });

  it('a set-once field filled under a source name keeps the earliest event, in any order', () => {
    const late = act('a2', '2026-02-01T00:00:00Z', { utm_campaign: 'spring', 'Company Name': 'Acme', team_size: '12' });
    const early = act('a1', '2026-01-01T00:00:00Z', { utm_campaign: 'winter', team_size: 'lots' });
    const one = applyActivity(newContactState(null, null, late, opts).state, early, opts);
    const other = applyActivity(newContactState(null, null, early, opts).state, late, opts);
    expect(one.state).toEqual(other.state);
    expect(one.state.fields.signupCampaign?.value).toBe('winter');
    expect(one.state.fields.company?.value).toBe('Acme');
    expect(one.state.fields.seats?.value).toBe(12);
    expect(one.warnings).toEqual(['field_type_mismatch:seats']);
  });
});
