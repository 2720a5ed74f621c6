import type { ContactState } from './types';

/**
 * What the contact list searches and sorts by, derived from a contact's state. Both stores use these
 * functions: MongoDB keeps the result on the document (`search`, written on every write, never
 * returned) where indexes serve it; the in-memory store computes it when it scans.
 */

/** Search terms and query prefixes are cut to this many code points (q is at most as long). */
export const SEARCH_TERM_MAX = 100;

/** The name fields (src/domain/default-fields.ts) the list searches and sorts by. */
export const NAME_FIELDS = { first: 'firstName', last: 'lastName' } as const;

export type ContactSort = 'lastActivityAt' | 'firstSeenAt' | 'name';

export interface ContactSearchKeys {
  /**
   * Lower-cased: the email, the phone's digits (E.164 without "+"), the first name, the last name
   * and "first last". `q` matches a contact when one of them starts with it.
   */
  terms: string[];
  /** The `name` sort key: see nameSortKey. */
  name: string;
}

const cut = (s: string): string => {
  const points = Array.from(s);
  return points.length > SEARCH_TERM_MAX ? points.slice(0, SEARCH_TERM_MAX).join('') : s;
};

const fold = (s: string): string => s.normalize('NFC').toLowerCase().trim();

function textField(state: Pick<ContactState, 'fields'>, key: string): string {
  const f = Object.hasOwn(state.fields, key) ? state.fields[key] : undefined;
  // A tombstone (cleared) or a non-text value is no name.
  return f && typeof f.value === 'string' ? fold(f.value) : '';
}

/**
 * Last name, then first name, case-insensitively; contacts without either sort after every named
 * one. One string so a cursor is one value: "0" + last + U+0001 + first for a named contact (U+0001
 * sorts below any character a name holds, so "ab"/"z" comes after "a"/"zz"), "1" for a nameless one.
 * Both stores compare it by code point (MongoDB's binary order of UTF-8).
 */
export function nameSortKey(state: Pick<ContactState, 'fields'>): string {
  const first = textField(state, NAME_FIELDS.first);
  const last = textField(state, NAME_FIELDS.last);
  if (first === '' && last === '') return '1';
  return cut(`0${last}\u0001${first}`.replace(/\u0000/g, ''));
}

export function contactSearchKeys(state: Pick<ContactState, 'email' | 'phone' | 'fields'>): ContactSearchKeys {
  const first = textField(state, NAME_FIELDS.first);
  const last = textField(state, NAME_FIELDS.last);
  const terms = new Set<string>();
  if (state.email) terms.add(cut(state.email.toLowerCase()));
  if (state.phone) {
    const digits = state.phone.replace(/\D/g, '');
    if (digits !== '') terms.add(digits);
  }
  if (first !== '') terms.add(cut(first));
  if (last !== '') terms.add(cut(last));
  if (first !== '' && last !== '') terms.add(cut(`${first} ${last}`));
  return { terms: [...terms].sort(compareCodePoints), name: nameSortKey(state) };
}

/**
 * The prefixes `q` stands for: itself, folded like the terms, and, when it looks like a phone number
 * ("+1 (415) 555"), its digits. Empty when nothing is left.
 */
export function searchPrefixes(q: string): string[] {
  const folded = cut(fold(q));
  const prefixes = new Set<string>();
  if (folded !== '') prefixes.add(folded);
  if (/^[\d\s+().\-/]+$/.test(folded)) {
    const digits = folded.replace(/\D/g, '');
    if (digits !== '') prefixes.add(digits);
  }
  return [...prefixes];
}

/** Whether the contact matches: one of its terms starts with one of the prefixes. */
export function matchesPrefixes(keys: ContactSearchKeys, prefixes: readonly string[]): boolean {
  return keys.terms.some((t) => prefixes.some((p) => t.startsWith(p)));
}

/** The value a contact sorts by: milliseconds for the dates, the name key for `name`. */
export function sortValueOf(state: Pick<ContactState, 'fields' | 'firstSeenAt' | 'lastActivityAt'>, sort: ContactSort): number | string {
  switch (sort) {
    case 'lastActivityAt':
      return state.lastActivityAt.getTime();
    case 'firstSeenAt':
      return state.firstSeenAt.getTime();
    case 'name':
      return nameSortKey(state);
  }
}

/** Dates newest first; names ascending. Ties by id in the same direction. */
export const SORT_DIRECTION: Readonly<Record<ContactSort, 1 | -1>> = { lastActivityAt: -1, firstSeenAt: -1, name: 1 };

/** Code-point order (what MongoDB's default binary collation gives for UTF-8), not UTF-16 units. */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const x = a[Symbol.iterator]();
  const y = b[Symbol.iterator]();
  for (;;) {
    const p = x.next();
    const q = y.next();
    if (p.done) return q.done ? 0 : -1;
    if (q.done) return 1;
    const d = p.value.codePointAt(0)! - q.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}
