import {
  activeFieldDefinitions,
  createField,
  DEFAULT_FIELD_DEFINITIONS,
  findField,
  listFields,
  MAX_FIELD_DEFINITIONS,
  updateField,
  type FieldDefinition,
} from '../../../src/domain';
import { AppError } from '../../../src/shared/errors';

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as AppError).code;
  }
  return 'no error';
};

describe('contact field definitions', () => {
  const defaults: FieldDefinition[] = DEFAULT_FIELD_DEFINITIONS.map((d) => ({ ...d }));

  it('lists the identifiers first, then the definitions; system fields are marked', () => {
    const list = listFields(defaults);
    expect(list.slice(0, 2).map((f) => [f.key, f.identifier, f.system])).toEqual([['email', true, true], ['phone', true, true]]);
    expect(list.slice(2).map((f) => f.key)).toEqual(defaults.map((d) => d.key));
    expect(list.every((f) => f.system)).toBe(true);
  });

  it('creates typed fields; select needs options, others refuse them', () => {
    const defs = createField(defaults, { key: 'plan', label: ' Plan ', type: 'single_choice', options: [' Free', 'Pro '], sourceNames: ['Subscription plan'] });
    expect(defs.at(-1)).toEqual({ key: 'plan', label: 'Plan', type: 'single_choice', options: ['Free', 'Pro'], sourceNames: ['Subscription plan'] });
    expect(findField(defs, 'plan')).toMatchObject({ system: false, identifier: false });
    expect(codeOf(() => createField(defaults, { key: 'tier', label: 'Tier', type: 'single_choice' }))).toBe('validation_failed');
    expect(codeOf(() => createField(defaults, { key: 'tier', label: 'Tier', type: 'single_choice', options: ['a', ' A'] }))).toBe('validation_failed');
    expect(codeOf(() => createField(defaults, { key: 'tier', label: 'Tier', type: 'number', options: ['a'] }))).toBe('validation_failed');
  });

  it.each(['constructor', 'toString', 'hasOwnProperty', '__proto__', 'prototype', 'status', 'id', '$where', 'a.b', '1st', '', 'x'.repeat(65)])(
    'refuses the key %j',
    (key) => {
      expect(codeOf(() => createField(defaults, { key, label: 'x', type: 'text' }))).toBe('validation_failed');
    },
  );

  it('refuses taken keys (archived included, identifiers too) and names that already map elsewhere', () => {
    expect(codeOf(() => createField(defaults, { key: 'company', label: 'x', type: 'text' }))).toBe('field_exists');
    expect(codeOf(() => createField(defaults, { key: 'email', label: 'x', type: 'email' }))).toBe('field_exists');
    // "Company Name" is company's source name company_name, ignoring case and separators.
    expect(codeOf(() => createField(defaults, { key: 'firm', label: 'x', type: 'text', sourceNames: ['Company Name'] }))).toBe('source_name_taken');
    // Another field's own key, spelled otherwise.
    expect(codeOf(() => createField(defaults, { key: 'firm', label: 'x', type: 'text', sourceNames: ['job-title'] }))).toBe('source_name_taken');
    // A key that is already another field's source name.
    expect(codeOf(() => createField(defaults, { key: 'utm_source', label: 'x', type: 'text' }))).toBe('source_name_taken');
    expect(codeOf(() => createField(defaults, { key: 'firm', label: 'x', type: 'text', sourceNames: ['a b', 'A-B'] }))).toBe('validation_failed');
    const archived = updateField(createField(defaults, { key: 'seats', label: 'Seats', type: 'number' }), 'seats', { archived: true });
    expect(codeOf(() => createField(archived, { key: 'seats', label: 'x', type: 'text' }))).toBe('field_exists');
  });

  it('caps the number of definitions', () => {
    let defs: FieldDefinition[] = [];
    for (let i = 0; i < MAX_FIELD_DEFINITIONS; i++) defs = [...defs, { key: `f${i}`, type: 'text' }];
    expect(codeOf(() => createField(defs, { key: 'more', label: 'x', type: 'text' }))).toBe('too_many_fields');
  });

  it('updates label, options, setOnce and source names; key and type stay', () => {
    const defs = createField(defaults, { key: 'seats', label: 'Seats', type: 'number', sourceNames: ['team size'] });
    const next = updateField(defs, 'seats', { label: 'Employees', setOnce: true, sourceNames: ['headcount'] });
    expect(next.find((d) => d.key === 'seats')).toEqual({ key: 'seats', label: 'Employees', type: 'number', setOnce: true, sourceNames: ['headcount'] });
    expect(updateField(next, 'seats', { setOnce: false, sourceNames: [] }).find((d) => d.key === 'seats')).toEqual({ key: 'seats', label: 'Employees', type: 'number' });
    expect(codeOf(() => updateField(defs, 'seats', { options: ['a'] }))).toBe('validation_failed');
    expect(codeOf(() => updateField(defs, 'nope', { label: 'x' }))).toBe('not_found');
    expect(codeOf(() => updateField(defs, 'email', { label: 'x' }))).toBe('field_not_editable');
    expect(codeOf(() => updateField(defs, 'seats', { sourceNames: ['first name'] }))).toBe('source_name_taken');
  });

  it('archives custom fields only; archived ones neither map nor type, and free their names until restored', () => {
    expect(codeOf(() => updateField(defaults, 'firstCampaign', { archived: true }))).toBe('system_field');
    const defs = createField(defaults, { key: 'seats', label: 'Seats', type: 'number', sourceNames: ['team size'] });
    const archived = updateField(defs, 'seats', { archived: true });
    expect(activeFieldDefinitions(archived).map((d) => d.key)).not.toContain('seats');
    expect(listFields(archived).map((f) => f.key)).not.toContain('seats');
    expect(listFields(archived, { includeArchived: true }).map((f) => f.key)).toContain('seats');
    // Its source name is free while it is archived; restoring it then conflicts.
    const taken = createField(archived, { key: 'headcount', label: 'Headcount', type: 'number', sourceNames: ['Team Size'] });
    expect(codeOf(() => updateField(taken, 'seats', { archived: false }))).toBe('source_name_taken');
    expect(updateField(archived, 'seats', { archived: false }).find((d) => d.key === 'seats')).not.toHaveProperty('archived');
  });
});
