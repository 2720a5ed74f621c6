import { applyStatusEvent } from './contact-status';
import { wins } from './field-merge';
import { LIMITS } from './limits';
import { insertRecent } from './recent-list';
import type { CapturedField, ContactState, MergeOptions, Warning } from './types';

/**
 * An operator's edit of a contact, already validated and typed (the service coerces each value
 * with the field's definition, as the worker does). Identity rule 6: an edit is an event at the
 * time of the edit. Its values take part in the same per-field merge as activities' values, so an
 * edit beats older activity values and a later activity beats it, whatever order they arrive in.
 */
export interface ContactEdit {
  /** The edit's activity id (`act_…`): provenance of what it sets, and its entry in the timeline. */
  id: string;
  type: string;
  source: string;
  /** When the operator made it: its event time. */
  at: Date;
  /** Typed values; `null` clears the field, which is kept as a tombstone (a field whose value is null). */
  fields: Record<string, string | number | boolean | null>;
  /** A status key of the account. */
  status?: string;
  /** Identifiers replace the contact's (normalized by the service); null removes one. */
  email?: string | null;
  phone?: string | null;
}

export interface EditResult {
  state: ContactState;
  warnings: Warning[];
}

/**
 * Why the edit cannot apply as asked, if it cannot: a set-once field keeps its earliest event, so an
 * edit (always the latest event) could neither change nor clear one that holds another value; and a
 * full contact takes no new key. The service answers these instead of storing a silent no-op.
 */
export function editConflicts(state: ContactState, edit: ContactEdit, opts: MergeOptions): { setOnce: string[]; overLimit: string[] } {
  const setOnce: string[] = [];
  const added: string[] = [];
  for (const key of Object.keys(edit.fields).sort()) {
    const existing = Object.hasOwn(state.fields, key) ? state.fields[key] : undefined;
    if (existing === undefined) added.push(key);
    else if (opts.fieldDefinitions.get(key)?.setOnce === true && existing.value !== null && existing.value !== edit.fields[key]) setOnce.push(key);
  }
  const room = Math.max(0, LIMITS.fieldsPerContact - Object.keys(state.fields).length);
  return { setOnce, overLimit: added.slice(room) };
}

/**
 * Applies an edit. Like applyActivity it is a join of commutative, idempotent merges (applying the
 * same edit twice, e.g. after a version conflict, gives the same state): fields and status by event
 * time, the edit inserted into recentActivities. `firstSeenAt` and `lastActivityAt` stay: they are
 * the person's engagement, which an operator's edit is not.
 */
export function applyEdit(state: ContactState, edit: ContactEdit, opts: MergeOptions): EditResult {
  const fields = new Map<string, CapturedField>(Object.entries(state.fields));
  const warnings: Warning[] = [];
  for (const key of Object.keys(edit.fields).sort()) {
    const value = edit.fields[key]!;
    const candidate: CapturedField = { value, source: edit.source, setAt: new Date(edit.at.getTime()), activityId: edit.id };
    const existing = fields.get(key);
    if (existing === undefined && fields.size >= LIMITS.fieldsPerContact) {
      warnings.push(`field_dropped_contact_full:${key}`);
      continue;
    }
    // A clear is stored even where no value is yet: an older activity arriving later must not set
    // what the operator cleared after it, whichever of the two arrives first.
    if (existing === undefined || wins(candidate, existing, opts.fieldDefinitions.get(key)?.setOnce === true)) fields.set(key, candidate);
  }

  const status = edit.status === undefined ? {} : applyStatusEvent(state, { status: edit.status, setAt: edit.at, activityId: edit.id, source: edit.source });

  return {
    state: {
      ...state,
      email: edit.email === undefined ? state.email : edit.email,
      phone: edit.phone === undefined ? state.phone : edit.phone,
      fields: Object.fromEntries([...fields.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
      recentActivities: insertRecent(state.recentActivities, { activityId: edit.id, type: edit.type, source: edit.source, occurredAt: edit.at }, opts.recentLimit),
      ...status,
    },
    warnings,
  };
}
