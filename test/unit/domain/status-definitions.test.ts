import {
  addStatus,
  defaultStatusSettings,
  humanizeStatusKey,
  listStatuses,
  MAX_STATUSES,
  removeStatus,
  renameStatus,
  reorderStatuses,
  setDefaultStatus,
  statusKeyFromLabel,
  type StatusSettings,
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

describe('status definitions (identity rule 7)', () => {
  const base = defaultStatusSettings();

  it('starts with the qualification pipeline, New by default', () => {
    expect(listStatuses(base)).toEqual([
      { key: 'new', label: 'New', isDefault: true },
      { key: 'qualified', label: 'Qualified', isDefault: false },
      { key: 'marketing_qualified', label: 'Marketing qualified', isDefault: false },
      { key: 'sales_qualified', label: 'Sales qualified', isDefault: false },
      { key: 'disqualified', label: 'Disqualified', isDefault: false },
    ]);
  });

  it.each([
    ['Sales Qualified (SQL)', 'sales_qualified_sql'],
    ['  Démo réservée ', 'demo_reservee'],
    ['Won!', 'won'],
    ['2nd call', '2nd_call'],
    ['!!!', null],
    ['日本', null],
    ['x'.repeat(60), 'x'.repeat(40)],
  ])('derives a key from the label %j', (label, key) => {
    expect(statusKeyFromLabel(label)).toBe(key);
  });

  it('labels keys stored without one (accounts from before labels) by their humanized key', () => {
    const legacy: StatusSettings = { statuses: ['new', 'sales-call_booked'], labels: {}, defaultStatus: 'new' };
    expect(listStatuses(legacy).map((s) => s.label)).toEqual(['New', 'Sales call booked']);
    expect(humanizeStatusKey('customer')).toBe('Customer');
  });

  it('adds at the end; a taken key or label (case-insensitive) is a conflict', () => {
    const { settings, key } = addStatus(base, { label: 'Customer' });
    expect(key).toBe('customer');
    expect(settings.statuses.at(-1)).toBe('customer');
    expect(base.statuses).not.toContain('customer'); // pure
    expect(codeOf(() => addStatus(settings, { label: 'Another', key: 'customer' }))).toBe('status_exists');
    expect(codeOf(() => addStatus(settings, { label: ' CUSTOMER ' }))).toBe('status_label_taken');
    expect(codeOf(() => addStatus(settings, { label: '' }))).toBe('validation_failed');
    expect(codeOf(() => addStatus(settings, { label: 'a\u0000b' }))).toBe('validation_failed');
    expect(codeOf(() => addStatus(settings, { label: 'Bad', key: 'Bad Key' }))).toBe('validation_failed');
    let many = base;
    for (let i = many.statuses.length; i < MAX_STATUSES; i++) many = addStatus(many, { label: `Step ${i}` }).settings;
    expect(codeOf(() => addStatus(many, { label: 'One too many' }))).toBe('too_many_statuses');
  });

  it('renames the label only; the key stays', () => {
    const renamed = renameStatus(base, 'new', 'Fresh');
    expect(renamed.statuses).toEqual(base.statuses);
    expect(listStatuses(renamed)[0]).toEqual({ key: 'new', label: 'Fresh', isDefault: true });
    expect(renameStatus(base, 'new', 'new').labels.new).toBe('new'); // its own label, re-cased: no clash with itself
    expect(codeOf(() => renameStatus(base, 'new', 'Qualified'))).toBe('status_label_taken');
    expect(codeOf(() => renameStatus(base, 'nope', 'x'))).toBe('not_found');
  });

  it('reorders only by a permutation', () => {
    const reversed = [...base.statuses].reverse();
    expect(reorderStatuses(base, reversed).statuses).toEqual(reversed);
    for (const bad of [reversed.slice(1), [...reversed, 'extra'], [...reversed.slice(1), reversed[1]!]]) {
      expect(codeOf(() => reorderStatuses(base, bad))).toBe('validation_failed');
    }
  });

  it('keeps exactly one default; the default cannot be removed', () => {
    const moved = setDefaultStatus(base, 'qualified');
    expect(listStatuses(moved).filter((s) => s.isDefault).map((s) => s.key)).toEqual(['qualified']);
    expect(codeOf(() => setDefaultStatus(base, 'nope'))).toBe('not_found');
    expect(codeOf(() => removeStatus(base, 'new'))).toBe('status_is_default');
    const removed = removeStatus(base, 'disqualified');
    expect(removed.statuses).not.toContain('disqualified');
    expect(removed.labels).not.toHaveProperty('disqualified');
    expect(codeOf(() => removeStatus(removed, 'disqualified'))).toBe('not_found');
  });

  it('a label named like an Object property stays a plain label', () => {
    const { settings } = addStatus(base, { label: '__proto__', key: 'proto' });
    expect(listStatuses(settings).at(-1)).toEqual({ key: 'proto', label: '__proto__', isDefault: false });
    expect(statusKeyFromLabel('constructor')).toBe('constructor');
    const ctor = addStatus(base, { label: 'constructor' }).settings;
    expect(Object.keys(ctor.labels)).toContain('constructor');
    expect(listStatuses(base).map((s) => s.key)).not.toContain('constructor');
  });
});
