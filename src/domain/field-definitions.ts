import { AppError, NotFoundError, ValidationError } from '../shared/errors';
import { DEFAULT_FIELD_DEFINITIONS } from './default-fields';
import { sourceNameKey } from './field-mapping';
import { LIMITS } from './limits';
import type { FieldDefinition, FieldType } from './types';

/**
 * The operator's rules for an account's contact field definitions (DESIGN.md "contact fields").
 * Pure: the services store the result with a compare-and-set on the account. Changes apply to
 * activities processed afterwards; values already captured on contacts are never rewritten.
 */

/** email and phone are the contact's identifiers, not captured fields: listed, never editable. */
export const IDENTIFIER_FIELDS: readonly FieldDefinition[] = [
  { key: 'email', label: 'Email', type: 'email' },
  { key: 'phone', label: 'Phone', type: 'phone' },
];

/** System fields: what every account starts with, plus the identifiers. They cannot be archived. */
export const SYSTEM_FIELD_KEYS: ReadonlySet<string> = new Set([...IDENTIFIER_FIELDS, ...DEFAULT_FIELD_DEFINITIONS].map((d) => d.key));

/** Starts with a letter: no `$`, `.`, `_` prefix (`__proto__`), so a key is always a safe name. */
export const FIELD_KEY = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
/**
 * Names an object already has (`constructor`, `toString`, …) and names the contact itself uses: a
 * field under them would be confusing at best and shadow a real property in a careless consumer.
 */
const RESERVED_KEYS: ReadonlySet<string> = new Set([
  ...Object.getOwnPropertyNames(Object.prototype),
  'prototype',
  'id',
  'account',
  'status',
  'fields',
  'createdAt',
  'updatedAt',
]);

export const FIELD_LABEL_MAX = 100;
export const MAX_SOURCE_NAMES = 50;
export const SOURCE_NAME_MAX = 200;
export const MAX_OPTIONS = 100;
export const OPTION_MAX = 200;
/** As many definitions as a contact may hold fields: a definition beyond it could never be filled. */
export const MAX_FIELD_DEFINITIONS = LIMITS.fieldsPerContact;

export interface FieldView extends FieldDefinition {
  system: boolean;
  /** email and phone: shown for completeness, not editable here. */
  identifier: boolean;
}

export interface NewFieldInput {
  key: string;
  label: string;
  type: FieldType;
  options?: readonly string[] | undefined;
  setOnce?: boolean | undefined;
  sourceNames?: readonly string[] | undefined;
}

export interface FieldPatch {
  label?: string | undefined;
  options?: readonly string[] | undefined;
  setOnce?: boolean | undefined;
  sourceNames?: readonly string[] | undefined;
  archived?: boolean | undefined;
}

/** What the worker maps and types with: archived definitions are left out. */
export function activeFieldDefinitions(defs: readonly FieldDefinition[]): FieldDefinition[] {
  return defs.filter((d) => d.archived !== true);
}

export function isSystemField(key: string): boolean {
  return SYSTEM_FIELD_KEYS.has(key);
}

/** The identifiers first, then the definitions in the order they were created. */
export function listFields(defs: readonly FieldDefinition[], { includeArchived = false } = {}): FieldView[] {
  const view = (d: FieldDefinition, identifier: boolean): FieldView => ({ ...d, system: isSystemField(d.key), identifier });
  return [
    ...IDENTIFIER_FIELDS.map((d) => view(d, true)),
    ...defs.filter((d) => includeArchived || d.archived !== true).map((d) => view(d, false)),
  ];
}

export function findField(defs: readonly FieldDefinition[], key: string): FieldView {
  const identifier = IDENTIFIER_FIELDS.find((d) => d.key === key);
  if (identifier) return { ...identifier, system: true, identifier: true };
  const def = defs.find((d) => d.key === key);
  if (!def) throw new NotFoundError('contact field');
  return { ...def, system: isSystemField(key), identifier: false };
}

export function createField(defs: readonly FieldDefinition[], input: NewFieldInput): FieldDefinition[] {
  const key = input.key;
  if (!FIELD_KEY.test(key) || RESERVED_KEYS.has(key)) {
    throw new ValidationError('Invalid field key', [{ path: 'key', message: 'a letter, then letters, digits or _ (at most 64); not a reserved name' }]);
  }
  if (IDENTIFIER_FIELDS.some((d) => d.key === key)) throw new AppError('field_exists', `"${key}" is an identifier field`, 409);
  const existing = defs.find((d) => d.key === key);
  if (existing) {
    const how = existing.archived ? ': it is archived, restore it with PATCH {"archived": false}' : '';
    throw new AppError('field_exists', `A field with key "${key}" already exists${how}`, 409);
  }
  if (defs.length >= MAX_FIELD_DEFINITIONS) {
    throw new AppError('too_many_fields', `An account has at most ${MAX_FIELD_DEFINITIONS} contact fields (archived ones included)`, 409);
  }
  const def: FieldDefinition = {
    key,
    type: input.type,
    label: checkLabel(input.label),
    ...(input.type === 'single_choice' ? { options: checkOptions(input.options) } : {}),
    ...(input.setOnce ? { setOnce: true } : {}),
    ...(input.sourceNames?.length ? { sourceNames: checkSourceNames(input.sourceNames) } : {}),
  };
  if (input.type !== 'single_choice' && input.options !== undefined) {
    throw new ValidationError('Only select fields have options', [{ path: 'options', message: 'not allowed for this type' }]);
  }
  const next = [...defs, def];
  assertSourceNamesFree(next, def);
  return next;
}

export function updateField(defs: readonly FieldDefinition[], key: string, patch: FieldPatch): FieldDefinition[] {
  if (IDENTIFIER_FIELDS.some((d) => d.key === key)) {
    throw new AppError('field_not_editable', `"${key}" is an identifier: it is normalized and matched by the identity rules, not configured`, 409);
  }
  const index = defs.findIndex((d) => d.key === key);
  if (index < 0) throw new NotFoundError('contact field');
  const current = defs[index]!;
  if (patch.archived === true && isSystemField(key)) {
    throw new AppError('system_field', `"${key}" is a system field: it cannot be archived`, 409);
  }
  if (patch.options !== undefined && current.type !== 'single_choice') {
    throw new ValidationError('Only select fields have options', [{ path: 'options', message: 'not allowed for this type' }]);
  }
  const next: FieldDefinition = { ...current };
  if (patch.label !== undefined) next.label = checkLabel(patch.label);
  if (patch.options !== undefined) next.options = checkOptions(patch.options);
  if (patch.setOnce !== undefined) {
    if (patch.setOnce) next.setOnce = true;
    else delete next.setOnce;
  }
  if (patch.sourceNames !== undefined) {
    if (patch.sourceNames.length) next.sourceNames = checkSourceNames(patch.sourceNames);
    else delete next.sourceNames;
  }
  if (patch.archived !== undefined) {
    if (patch.archived) next.archived = true;
    else delete next.archived;
  }
  const all = defs.map((d, i) => (i === index ? next : d));
  if (next.archived !== true) assertSourceNamesFree(all, next);
  return all;
}

function checkLabel(label: string): string {
  const trimmed = label.trim();
  if (trimmed === '' || trimmed.length > FIELD_LABEL_MAX || /\p{Cc}/u.test(trimmed)) {
    throw new ValidationError('Invalid field label', [{ path: 'label', message: `1 to ${FIELD_LABEL_MAX} characters, no control characters` }]);
  }
  return trimmed;
}

function checkOptions(options: readonly string[] | undefined): string[] {
  const trimmed = (options ?? []).map((o) => o.trim());
  const seen = new Set(trimmed.map((o) => o.toLowerCase()));
  if (trimmed.length === 0 || trimmed.length > MAX_OPTIONS || trimmed.some((o) => o === '' || o.length > OPTION_MAX) || seen.size !== trimmed.length) {
    throw new ValidationError('Invalid options', [
      { path: 'options', message: `1 to ${MAX_OPTIONS} distinct options (case-insensitive), each 1 to ${OPTION_MAX} characters` },
    ]);
  }
  return trimmed;
}

function checkSourceNames(names: readonly string[]): string[] {
  const trimmed = names.map((n) => n.trim());
  const keys = trimmed.map(sourceNameKey);
  if (trimmed.length > MAX_SOURCE_NAMES || trimmed.some((n, i) => n.length > SOURCE_NAME_MAX || keys[i] === '') || new Set(keys).size !== keys.length) {
    throw new ValidationError('Invalid source names', [
      { path: 'sourceNames', message: `at most ${MAX_SOURCE_NAMES} distinct names (ignoring case and separators), each with a letter or digit` },
    ]);
  }
  return trimmed;
}

/**
 * A name (a field's key or one of its source names, compared ignoring case and separators) maps to
 * one active field: otherwise one of them would silently do nothing, or the mapping would depend
 * on how a sender spells it.
 */
function assertSourceNamesFree(defs: readonly FieldDefinition[], def: FieldDefinition): void {
  const others = activeFieldDefinitions(defs).filter((d) => d.key !== def.key);
  const claimed = new Map<string, string>();
  for (const d of others) {
    claimed.set(sourceNameKey(d.key), d.key);
    for (const n of d.sourceNames ?? []) claimed.set(sourceNameKey(n), d.key);
  }
  for (const name of [def.key, ...(def.sourceNames ?? [])]) {
    const owner = claimed.get(sourceNameKey(name));
    if (owner !== undefined) throw new AppError('source_name_taken', `"${name}" already maps to the field "${owner}"`, 409);
  }
}
