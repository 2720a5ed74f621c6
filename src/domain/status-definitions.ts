import { AppError, NotFoundError, ValidationError } from '../shared/errors';

/**
 * Contact statuses of an account (identity rule 7): an ordered list with one default. A status has
 * a stable `key` (what contacts store, what an activity's `status` names) and a `label` (what
 * people read). Renaming changes the label only, so no contact is rewritten; the key is fixed
 * once created. Pure rules: the services store the result with a compare-and-set.
 */
export interface StatusSettings {
  /** Keys, in display order. */
  statuses: readonly string[];
  /** Label per key; a key without one reads as its humanized key ("sales_qualified" → "Sales qualified"). */
  labels: Readonly<Record<string, string>>;
  defaultStatus: string;
}

export interface StatusView {
  key: string;
  label: string;
  isDefault: boolean;
}

/** Lower-case slug; `-` is accepted for keys that existing accounts already hold. */
export const STATUS_KEY = /^[a-z0-9][a-z0-9_-]{0,39}$/;
export const STATUS_LABEL_MAX = 80;
/** A status list is read for every contact shown and kept on the account document: bounded. */
export const MAX_STATUSES = 50;

/** What a new account starts with: a qualification pipeline, New by default. */
export const DEFAULT_STATUS_PIPELINE: readonly { key: string; label: string }[] = [
  { key: 'new', label: 'New' },
  { key: 'qualified', label: 'Qualified' },
  { key: 'marketing_qualified', label: 'Marketing qualified' },
  { key: 'sales_qualified', label: 'Sales qualified' },
  { key: 'disqualified', label: 'Disqualified' },
];

export function defaultStatusSettings(): StatusSettings {
  return {
    statuses: DEFAULT_STATUS_PIPELINE.map((s) => s.key),
    labels: Object.fromEntries(DEFAULT_STATUS_PIPELINE.map((s) => [s.key, s.label])),
    defaultStatus: DEFAULT_STATUS_PIPELINE[0]!.key,
  };
}

export function humanizeStatusKey(key: string): string {
  const words = key.replace(/[_-]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** "Sales Qualified (SQL)" → "sales_qualified_sql"; null when nothing usable is left. */
export function statusKeyFromLabel(label: string): string | null {
  const slug = label
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 40)
    .replace(/_+$/, '');
  return STATUS_KEY.test(slug) ? slug : null;
}

export function statusLabelOf(settings: StatusSettings, key: string): string {
  return Object.prototype.hasOwnProperty.call(settings.labels, key) ? settings.labels[key]! : humanizeStatusKey(key);
}

export function listStatuses(settings: StatusSettings): StatusView[] {
  return settings.statuses.map((key) => ({ key, label: statusLabelOf(settings, key), isDefault: key === settings.defaultStatus }));
}

export function hasStatus(settings: Pick<StatusSettings, 'statuses'>, key: string): boolean {
  return settings.statuses.includes(key);
}

function assertExists(settings: StatusSettings, key: string): void {
  if (!hasStatus(settings, key)) throw new NotFoundError('status');
}

/** Trimmed, 1–80 characters, no control characters, unique among the account's labels (case-insensitive). */
function checkLabel(settings: StatusSettings, label: string, except?: string): string {
  const trimmed = label.trim();
  if (trimmed === '' || trimmed.length > STATUS_LABEL_MAX || /\p{Cc}/u.test(trimmed)) {
    throw new ValidationError('Invalid status label', [{ path: 'label', message: `1 to ${STATUS_LABEL_MAX} characters, no control characters` }]);
  }
  const clash = settings.statuses.find((k) => k !== except && statusLabelOf(settings, k).toLowerCase() === trimmed.toLowerCase());
  if (clash !== undefined) throw new AppError('status_label_taken', `Status "${clash}" already has the label "${trimmed}"`, 409);
  return trimmed;
}

function withLabel(labels: Readonly<Record<string, string>>, key: string, label: string): Record<string, string> {
  // fromEntries defines own properties: a key can never reach a prototype.
  return Object.fromEntries([...Object.entries(labels).filter(([k]) => k !== key), [key, label]]);
}

/** Appends a status; the key is derived from the label unless given. */
export function addStatus(settings: StatusSettings, input: { key?: string | undefined; label: string }): { settings: StatusSettings; key: string } {
  if (settings.statuses.length >= MAX_STATUSES) throw new AppError('too_many_statuses', `An account has at most ${MAX_STATUSES} statuses`, 409);
  const label = checkLabel(settings, input.label);
  const key = input.key ?? statusKeyFromLabel(label);
  if (key === null) {
    throw new ValidationError('No key can be derived from this label: give one', [{ path: 'key', message: 'required for this label' }]);
  }
  if (!STATUS_KEY.test(key)) throw new ValidationError('Invalid status key', [{ path: 'key', message: 'lower-case letters, digits, _ and -, at most 40' }]);
  if (hasStatus(settings, key)) throw new AppError('status_exists', `A status with key "${key}" already exists`, 409);
  return { settings: { ...settings, statuses: [...settings.statuses, key], labels: withLabel(settings.labels, key, label) }, key };
}

export function renameStatus(settings: StatusSettings, key: string, label: string): StatusSettings {
  assertExists(settings, key);
  return { ...settings, labels: withLabel(settings.labels, key, checkLabel(settings, label, key)) };
}

/** `keys` must name every status exactly once. */
export function reorderStatuses(settings: StatusSettings, keys: readonly string[]): StatusSettings {
  const given = new Set(keys);
  if (given.size !== keys.length || keys.length !== settings.statuses.length || !settings.statuses.every((k) => given.has(k))) {
    throw new ValidationError('The order must name every status of the account exactly once', [
      { path: 'keys', message: `expected a permutation of: ${settings.statuses.join(', ')}` },
    ]);
  }
  return { ...settings, statuses: [...keys] };
}

export function setDefaultStatus(settings: StatusSettings, key: string): StatusSettings {
  assertExists(settings, key);
  return { ...settings, defaultStatus: key };
}

/** Removes a status from the list; the default cannot go (make another one the default first). */
export function removeStatus(settings: StatusSettings, key: string): StatusSettings {
  assertExists(settings, key);
  if (key === settings.defaultStatus) {
    throw new AppError('status_is_default', `"${key}" is the default status: make another status the default first`, 409);
  }
  return {
    ...settings,
    statuses: settings.statuses.filter((k) => k !== key),
    labels: Object.fromEntries(Object.entries(settings.labels).filter(([k]) => k !== key)),
  };
}
