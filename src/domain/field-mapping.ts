import type { FieldDefinition, FieldValue, Warning } from './types';

/** "Company Name", "company_name" and "companyName" are one source name. */
export function sourceNameKey(name: string): string {
  return name.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');
}

export interface MappedFields {
  fields: Record<string, FieldValue>;
  warnings: Warning[];
}

/**
 * Renames an activity's source field names to contact field keys: a definition's own key, or any
 * of its `sourceNames`. Names no definition claims stay as they are (custom fields). When several
 * names of one activity land on the same key, the definition's own key wins, then the first source
 * name in sorted order; the others are dropped with `field_mapping_conflict:<key>`, so the result
 * never depends on the order of keys in the payload.
 */
export function mapSourceFields(fields: Readonly<Record<string, FieldValue>>, definitions: ReadonlyMap<string, FieldDefinition>): MappedFields {
  const bySourceName = sourceNameIndex(definitions);

  const claimed = new Map<string, string>(); // target key → source name that filled it
  const out: Record<string, FieldValue> = {};
  const warnings: Warning[] = [];
  // Own keys first, then the rest sorted: deterministic whatever the payload's key order.
  const names = Object.keys(fields).sort((a, b) => Number(!definitions.has(a)) - Number(!definitions.has(b)) || (a < b ? -1 : a > b ? 1 : 0));
  for (const name of names) {
    const target = definitions.has(name) ? name : (bySourceName.get(sourceNameKey(name)) ?? name);
    if (claimed.has(target)) {
      warnings.push(`field_mapping_conflict:${target}`);
      continue;
    }
    claimed.set(target, name);
    // defineProperty only for "__proto__", which `=` would take as the prototype.
    if (target === '__proto__') Object.defineProperty(out, target, { value: fields[name], enumerable: true, writable: true, configurable: true });
    else out[target] = fields[name]!;
  }
  return { fields: out, warnings };
}

/*
 * Source-name key → field key, built once per definitions map. A worker holds one map per account
 * (src/start.ts), so the index is built once per account instead of running sourceNameKey's
 * Unicode regex over every source name of every definition for each activity. Definitions maps
 * are read-only once built (MergeOptions types them so); a new map gets its own index.
 */
const sourceNameIndexes = new WeakMap<ReadonlyMap<string, FieldDefinition>, ReadonlyMap<string, string>>();

function sourceNameIndex(definitions: ReadonlyMap<string, FieldDefinition>): ReadonlyMap<string, string> {
  let index = sourceNameIndexes.get(definitions);
  if (!index) {
    const built = new Map<string, string>();
    for (const def of definitions.values()) {
      for (const name of def.sourceNames ?? []) built.set(sourceNameKey(name), def.key);
    }
    sourceNameIndexes.set(definitions, (index = built));
  }
  return index;
}

export interface RoutedAnswers {
  /** Answers a contact field claims, under that field's key: they go to the contact. */
  fields: Record<string, FieldValue>;
  /** Every other answer, under its own name: it stays on the activity. */
  details: Record<string, FieldValue>;
}

/**
 * Splits a form's or booking's answers between the contact and the activity. An answer lands on
 * the contact only when one of the account's contact fields claims it: by the field's key or one of
 * its source names, compared like source names ("Job Title" = "job_title" = "jobTitle"). Anything
 * else (a meeting's agenda, "How did you hear about us?") is a fact of this submission and stays on
 * the activity, as OnceHub keeps it on the booking or form submission. The first answer a field
 * claims wins; the order is the payload's, which is the provider's question order.
 */
export function routeAnswers(answers: Readonly<Record<string, FieldValue>>, definitions: ReadonlyMap<string, FieldDefinition>): RoutedAnswers {
  const bySourceName = sourceNameIndex(definitions);
  const byKey = keyIndex(definitions);
  const fields: Record<string, FieldValue> = {};
  const details: Record<string, FieldValue> = {};
  for (const [name, value] of Object.entries(answers)) {
    const normalized = sourceNameKey(name);
    const target = definitions.has(name) ? name : (byKey.get(normalized) ?? bySourceName.get(normalized));
    // Own keys, set as data: "constructor" is a field like any other, "__proto__" never a prototype.
    if (target === undefined) {
      if (!Object.hasOwn(details, name)) Object.defineProperty(details, name, { value, enumerable: true, writable: true, configurable: true });
    } else if (!Object.hasOwn(fields, target)) {
      Object.defineProperty(fields, target, { value, enumerable: true, writable: true, configurable: true });
    }
  }
  return { fields, details };
}

const keyIndexes = new WeakMap<ReadonlyMap<string, FieldDefinition>, ReadonlyMap<string, string>>();

/** Normalized field key → field key ("jobtitle" → "jobTitle"), once per definitions map. */
function keyIndex(definitions: ReadonlyMap<string, FieldDefinition>): ReadonlyMap<string, string> {
  let index = keyIndexes.get(definitions);
  if (!index) {
    const built = new Map<string, string>();
    for (const key of definitions.keys()) built.set(sourceNameKey(key), key);
    keyIndexes.set(definitions, (index = built));
  }
  return index;
}
