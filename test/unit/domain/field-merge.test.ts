import { isValidFieldKey, mergeFields } from '../../../src/domain/field-merge';
import type { CanonicalActivity, CapturedField, FieldDefinition, FieldValue, MergeOptions } from '../../../src/domain/types';

const defs: FieldDefinition[] = [
  { key: 'company', type: 'text' },
  { key: 'employees', type: 'number' },
  { key: 'subscribed', type: 'boolean' },
  { key: 'birthday', type: 'date' },
  { key: 'work_email', type: 'email' },
  { key: 'mobile', type: 'phone' },
  { key: 'plan', type: 'single_choice', options: ['Free', 'Pro', 'Enterprise'] },
  { key: 'first_source', type: 'text', setOnce: true },
];
const opts: MergeOptions = { fieldDefinitions: new Map(defs.map((d) => [d.key, d])), recentLimit: 10, defaultCountry: 'US' };

let seq = 0;
const act = (fields: Record<string, FieldValue>, occurredAt = '2024-01-01T00:00:00Z', id = `act-${++seq}`, country: string | null = null): CanonicalActivity => ({
  id,
  type: 'form_submitted',
  source: 'typeform',
  occurredAt: new Date(occurredAt),
  email: null,
  phone: null,
  country,
  fields,
  visitorId: null,
  externalId: null,
});

const captured = (value: CapturedField['value'], setAt: string, activityId: string, source = 'typeform'): CapturedField => ({
  value,
  source,
  setAt: new Date(setAt),
  activityId,
});

const valueOf = (key: string, raw: FieldValue, country: string | null = null) => {
  const out = mergeFields({}, act({ [key]: raw }, undefined, undefined, country), opts);
  return { value: out.fields[key]?.value, warnings: out.warnings };
};

describe('mergeFields: coercion by field type', () => {
  it.each<[string, string, FieldValue, CapturedField['value']]>([
    ['text', 'company', '  Acme Inc ', 'Acme Inc'],
    ['text from number', 'company', 94107, '94107'],
    ['text from boolean', 'company', false, 'false'],
    ['number', 'employees', 42, 42],
    ['number from string', 'employees', ' 42.5 ', 42.5],
    ['number negative string', 'employees', '-3', -3],
    ['number exponent', 'employees', '1e3', 1000],
    ['number -0 → 0', 'employees', '-0', 0],
    ['boolean', 'subscribed', true, true],
    ['boolean from "TRUE"', 'subscribed', 'TRUE', true],
    ['boolean from " false "', 'subscribed', ' false ', false],
    ['date only → UTC midnight', 'birthday', '1990-05-17', '1990-05-17T00:00:00.000Z'],
    ['date-time with offset → UTC', 'birthday', '2024-05-01T10:00:00+02:00', '2024-05-01T08:00:00.000Z'],
    ['date-time without offset → read as UTC', 'birthday', '2024-05-01T10:00', '2024-05-01T10:00:00.000Z'],
    ['date-time Z with millis', 'birthday', '2024-05-01T10:00:00.123Z', '2024-05-01T10:00:00.123Z'],
    ['email normalized', 'work_email', ' Ann@Bücher.DE ', 'ann@xn--bcher-kva.de'],
    ['phone normalized (default country)', 'mobile', '(415) 555-2671', '+14155552671'],
    ['single_choice canonical case', 'plan', 'pro', 'Pro'],
    ['single_choice trimmed', 'plan', ' ENTERPRISE ', 'Enterprise'],
    ['undefined key: string trimmed', 'utm_campaign', ' spring ', 'spring'],
    ['undefined key: number kept', 'score', 7, 7],
    ['undefined key: boolean kept', 'vip', true, true],
    ['undefined key: numeric string stays a string', 'zip', '02139', '02139'],
  ])('%s', (_label, key, raw, expected) => {
    expect(valueOf(key, raw)).toEqual({ value: expected, warnings: [] });
  });

  it('phone field uses the activity country hint', () => {
    expect(valueOf('mobile', '07400 123456', 'GB')).toEqual({ value: '+447400123456', warnings: [] });
  });

  it('phone field stores E.164 and warns that the extension was dropped', () => {
    expect(valueOf('mobile', '(415) 555-2671 x12')).toEqual({ value: '+14155552671', warnings: ['phone_extension_dropped:mobile'] });
  });

  it.each<[string, string, FieldValue]>([
    ['number from words', 'employees', 'forty'],
    ['number with thousands separator', 'employees', '1,000'],
    ['number from hex', 'employees', '0x1f'],
    ['number Infinity', 'employees', 'Infinity'],
    ['number NaN', 'employees', Number.NaN],
    ['number from boolean', 'employees', true],
    ['boolean from yes', 'subscribed', 'yes'],
    ['boolean from 1', 'subscribed', 1],
    ['date not ISO', 'birthday', '05/17/1990'],
    ['date impossible', 'birthday', '2024-02-30'],
    ['date as number', 'birthday', 1714557600000],
    ['date ISO week form Date cannot read', 'birthday', '2024-W01-1'],
    ['email invalid', 'work_email', 'ann@'],
    ['email blocked', 'work_email', 'test@test.com'],
    ['phone invalid', 'mobile', '555-1234'],
    ['phone blocked', 'mobile', '000-000-0000'],
    ['single_choice unknown option', 'plan', 'Gold'],
    ['text NaN', 'company', Number.NaN],
    ['undefined key: Infinity', 'score', Number.POSITIVE_INFINITY],
  ])('%s → not stored, field_type_mismatch', (_label, key, raw) => {
    expect(valueOf(key, raw)).toEqual({ value: undefined, warnings: [`field_type_mismatch:${key}`] });
  });

  it('rejects non-primitive values that slip past the types', () => {
    const out = mergeFields({}, act({ company: { a: 1 } as unknown as FieldValue, tags: ['x'] as unknown as FieldValue }), opts);
    expect(out).toEqual({ fields: {}, warnings: ['field_type_mismatch:company', 'field_type_mismatch:tags'] });
  });

  it('single_choice without options rejects everything', () => {
    const o: MergeOptions = { ...opts, fieldDefinitions: new Map([['tier', { key: 'tier', type: 'single_choice' }]]) };
    expect(mergeFields({}, act({ tier: 'a' }), o).warnings).toEqual(['field_type_mismatch:tier']);
  });
});

describe('mergeFields: keys', () => {
  it.each<[string]>([['$set'], ['a.b'], ['nul\0byte'], [''], ['__proto__']])('rejects %j', (key) => {
    expect(isValidFieldKey(key)).toBe(false);
    const fields: Record<string, FieldValue> = {};
    Object.defineProperty(fields, key, { value: 'x', enumerable: true });
    expect(mergeFields({}, act(fields), opts)).toEqual({ fields: {}, warnings: [`field_key_invalid:${key}`] });
  });

  it.each<[string]>([['constructor'], ['toString'], ['has space'], ['a$b'], ['ünïcode']])('accepts %j as an ordinary own key', (key) => {
    const out = mergeFields({}, act({ [key]: 'v' }), opts);
    expect(Object.hasOwn(out.fields, key)).toBe(true);
    expect(out.fields[key]?.value).toBe('v');
  });

  it('a JSON __proto__ key never pollutes prototypes', () => {
    const fields = JSON.parse('{"__proto__": {"polluted": "yes"}, "ok": "1"}') as Record<string, FieldValue>;
    const out = mergeFields({}, act(fields), opts);
    expect(out.warnings).toEqual(['field_key_invalid:__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(out.fields)).toBe(Object.prototype);
  });
});

describe('mergeFields: rule 6 (newer event wins per field)', () => {
  const current = { company: captured('Old Co', '2024-01-10T00:00:00Z', 'a-10') };

  it('a newer activity overwrites and records its provenance', () => {
    const a = act({ company: 'New Co' }, '2024-01-11T00:00:00Z', 'a-11');
    expect(mergeFields(current, a, opts).fields.company).toEqual(captured('New Co', '2024-01-11T00:00:00Z', 'a-11'));
  });

  it('an older activity never overwrites, even if it arrives later', () => {
    const a = act({ company: 'Older Co' }, '2024-01-09T00:00:00Z', 'a-09');
    expect(mergeFields(current, a, opts).fields.company).toEqual(current.company);
  });

  it.each<[FieldValue]>([[null], [''], ['   ']])('an empty value (%j) never overwrites, is not stored and does not warn', (empty) => {
    const a = act({ company: empty, employees: empty }, '2024-02-01T00:00:00Z', 'a-20');
    expect(mergeFields(current, a, opts)).toEqual({ fields: current, warnings: [] });
  });

  it('equal times: the greater activityId wins, whatever the order', () => {
    const x = act({ company: 'X' }, '2024-01-10T00:00:00Z', 'a-10');
    const y = act({ company: 'Y' }, '2024-01-10T00:00:00Z', 'a-11');
    const xy = mergeFields(mergeFields({}, x, opts).fields, y, opts).fields;
    const yx = mergeFields(mergeFields({}, y, opts).fields, x, opts).fields;
    expect(xy.company?.value).toBe('Y');
    expect(yx).toEqual(xy);
  });

  it('a newer event with the same value still moves the provenance forward', () => {
    const a = act({ company: 'Old Co' }, '2024-01-12T00:00:00Z', 'a-12');
    expect(mergeFields(current, a, opts).fields.company).toEqual(captured('Old Co', '2024-01-12T00:00:00Z', 'a-12'));
  });

  it('re-applying the same activity changes nothing', () => {
    const a = act({ company: 'New Co', plan: 'pro' }, '2024-01-11T00:00:00Z', 'a-11');
    const once = mergeFields(current, a, opts).fields;
    expect(mergeFields(once, a, opts).fields).toEqual(once);
  });

  it('an invalid value does not touch the stored one', () => {
    const stored = { employees: captured(10, '2024-01-01T00:00:00Z', 'a-1') };
    const a = act({ employees: 'many' }, '2024-06-01T00:00:00Z', 'a-2');
    expect(mergeFields(stored, a, opts)).toEqual({ fields: stored, warnings: ['field_type_mismatch:employees'] });
  });

  it('keeps fields the activity does not mention, and does not mutate its input', () => {
    const before = structuredClone(current);
    const out = mergeFields(current, act({ plan: 'Free' }, '2024-01-01T00:00:00Z', 'a-1'), opts);
    expect(out.fields).toEqual({ ...current, plan: captured('Free', '2024-01-01T00:00:00Z', 'a-1') });
    expect(current).toEqual(before);
  });
});

describe('mergeFields: set-once', () => {
  const stored = { first_source: captured('google', '2024-03-01T00:00:00Z', 'a-5') };

  it('the first value sets it', () => {
    expect(mergeFields({}, act({ first_source: 'google' }, '2024-03-01T00:00:00Z', 'a-5'), opts).fields).toEqual(stored);
  });

  it('a later event never changes it', () => {
    expect(mergeFields(stored, act({ first_source: 'bing' }, '2024-04-01T00:00:00Z', 'a-9'), opts).fields).toEqual(stored);
  });

  it('an earlier event arriving late replaces it (earliest event wins)', () => {
    const out = mergeFields(stored, act({ first_source: 'newsletter' }, '2024-02-01T00:00:00Z', 'a-1'), opts);
    expect(out.fields.first_source).toEqual(captured('newsletter', '2024-02-01T00:00:00Z', 'a-1'));
  });

  it('equal times: the smaller activityId wins', () => {
    expect(mergeFields(stored, act({ first_source: 'x' }, '2024-03-01T00:00:00Z', 'a-6'), opts).fields).toEqual(stored);
    expect(mergeFields(stored, act({ first_source: 'y' }, '2024-03-01T00:00:00Z', 'a-4'), opts).fields.first_source?.value).toBe('y');
  });

  it('an empty first value does not claim it', () => {
    const first = mergeFields({}, act({ first_source: '' }, '2024-01-01T00:00:00Z', 'a-0'), opts).fields;
    expect(first).toEqual({});
    expect(mergeFields(first, act({ first_source: 'ads' }, '2024-05-01T00:00:00Z', 'a-7'), opts).fields.first_source?.value).toBe('ads');
  });
});
