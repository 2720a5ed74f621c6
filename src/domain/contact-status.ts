import type { ContactState, StatusProvenance } from './types';

/**
 * Rule 7 of DESIGN.md "Identity rules": a status applies like a field, by event time.
 *
 * The status is a register over status events (an activity's `status`, an operator's change): the
 * event with the greatest (setAt, activityId) wins, as for a captured field, so the result does not
 * depend on arrival order and applying an event twice changes nothing. The account's default status
 * is *not* an event: a new contact gets it with no provenance (`statusSet: null`), and any status
 * event beats it. Giving the default a time (say firstSeenAt) would make the result depend on
 * arrival order: an older activity carrying a status would lose to the default if it arrived after
 * the contact was created by a newer one, and win if it arrived first.
 */

/** A status event: which status, when (event time), and the activity (or edit) that carries it. */
export interface StatusEvent extends StatusProvenance {
  status: string;
}

const time = (d: Date): number => (Number.isNaN(d.getTime()) ? Number.NEGATIVE_INFINITY : d.getTime());

/** Whether `candidate` replaces the status set by `current` (null: no event has set one). */
export function statusEventWins(candidate: StatusProvenance, current: StatusProvenance | null | undefined): boolean {
  if (!current) return true;
  const dt = time(candidate.setAt) - time(current.setAt);
  const byTime = Number.isNaN(dt) ? 0 : dt;
  return byTime > 0 || (byTime === 0 && candidate.activityId > current.activityId);
}

/**
 * The account's status key that `value` names, or null: keys are lower-case slugs, so a sender's
 * "Qualified" or " qualified " names `qualified`.
 */
export function matchStatus(value: string, statuses: readonly string[] | undefined): string | null {
  const wanted = value.trim().toLowerCase();
  if (wanted === '') return null;
  return (statuses ?? []).find((s) => s === wanted) ?? (statuses ?? []).find((s) => s.toLowerCase() === wanted) ?? null;
}

/** The status part of a state after `event` (unchanged when it loses): always both keys, or neither. */
export function applyStatusEvent(state: Pick<ContactState, 'status' | 'statusSet'>, event: StatusEvent): Pick<ContactState, 'status' | 'statusSet'> {
  if (!statusEventWins(event, state.statusSet)) return statusPartOf(state);
  return { status: event.status, statusSet: { setAt: new Date(event.setAt.getTime()), activityId: event.activityId, source: event.source } };
}

/** The status keys of a state, copied; none when the state says nothing about the status. */
export function statusPartOf(state: Pick<ContactState, 'status' | 'statusSet'>): Pick<ContactState, 'status' | 'statusSet'> {
  const out: Pick<ContactState, 'status' | 'statusSet'> = {};
  if (state.status !== undefined) out.status = state.status;
  if (state.statusSet !== undefined) out.statusSet = state.statusSet === null ? null : { ...state.statusSet, setAt: new Date(state.statusSet.setAt.getTime()) };
  return out;
}

/** Equal status and provenance; absent and null provenance are the same (no event). */
export function sameStatus(a: Pick<ContactState, 'status' | 'statusSet'>, b: Pick<ContactState, 'status' | 'statusSet'>): boolean {
  if (a.status !== b.status) return false;
  const x = a.statusSet ?? null;
  const y = b.statusSet ?? null;
  if (x === null || y === null) return x === y;
  return x.activityId === y.activityId && x.source === y.source && x.setAt.getTime() === y.setAt.getTime();
}
