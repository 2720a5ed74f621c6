import { applyStatusEvent, matchStatus, sameStatus, statusPartOf } from './contact-status';
import { mergeFields } from './field-merge';
import { mapSourceFields } from './field-mapping';
import { defaultIdentityPolicy } from './identity-policy';
import { LIMITS } from './limits';
import { insertRecent } from './recent-list';
import type { CanonicalActivity, ContactState, MergeOptions, MergeResult } from './types';

// A visitor id of "undefined" or "null" (a broken snippet) would stitch every anonymous visitor
// onto this contact: the junk-identifier list applies to visitor ids as well.
const BLOCKED_VISITOR_IDS = defaultIdentityPolicy().blockedRawValues;

/** Whether a visitor id may be put on a contact (and so stitch page views onto it). */
export const isUsableVisitorId = (id: string | null): id is string =>
  id !== null && !BLOCKED_VISITOR_IDS.has(id.trim().toLowerCase());

const ms = (d: Date): number => d.getTime();

/**
 * Folds one activity into a contact. Every part is a commutative, idempotent merge (per-field
 * max/min, top-N set, set union, min, max), so workers may apply activities in any order and
 * any number of times and still converge on the same document.
 *
 * Identifiers are not touched here: resolution decides them (see withIdentifiers).
 */
export function applyActivity(state: ContactState, activity: CanonicalActivity, opts: MergeOptions): MergeResult {
  const mapped = mapSourceFields(activity.fields, opts.fieldDefinitions);
  const merged = mergeFields(state.fields, { ...activity, fields: mapped.fields }, opts);
  const fields = merged.fields;
  const warnings = [...mapped.warnings, ...merged.warnings];

  const recentActivities = insertRecent(
    state.recentActivities,
    { activityId: activity.id, type: activity.type, source: activity.source, occurredAt: activity.occurredAt },
    opts.recentLimit,
  );

  const visitorIds = new Set(state.visitorIds);
  if (isUsableVisitorId(activity.visitorId) && !visitorIds.has(activity.visitorId)) {
    // A full contact keeps the visitor ids it has: a source minting one per event cannot grow it.
    if (visitorIds.size < LIMITS.visitorIdsPerContact) visitorIds.add(activity.visitorId);
    else warnings.push('visitor_id_dropped_contact_full');
  }

  let status = statusPartOf(state);
  if (typeof activity.status === 'string' && activity.status.trim() !== '') {
    // Only a status the account has (rule 7); what it does not know is reported, never stored.
    const key = matchStatus(activity.status, opts.statuses);
    if (key === null) warnings.push('status_unknown');
    else status = applyStatusEvent(state, { status: key, setAt: activity.occurredAt, activityId: activity.id, source: activity.source });
  }

  const at = ms(activity.occurredAt);
  return {
    state: {
      email: state.email,
      phone: state.phone,
      fields,
      recentActivities,
      // Page views reach the contact through stitching (services/page-view-attach.ts), not activities.
      recentPageViews: state.recentPageViews,
      visitorIds: [...visitorIds].sort(),
      firstSeenAt: new Date(Math.min(ms(state.firstSeenAt), at)),
      lastActivityAt: new Date(Math.max(ms(state.lastActivityAt), at)),
      ...status,
    },
    warnings,
  };
}

/** The contact a `create` decision makes: exactly what applying the activity to nothing gives. */
export function newContactState(
  email: string | null,
  phone: string | null,
  activity: CanonicalActivity,
  opts: MergeOptions,
): MergeResult {
  const empty: ContactState = {
    email,
    phone,
    fields: {},
    recentActivities: [],
    recentPageViews: [],
    visitorIds: [],
    firstSeenAt: activity.occurredAt,
    lastActivityAt: activity.occurredAt,
  };
  return applyActivity(empty, activity, opts);
}

/** Applies a `use` decision's setEmail/setPhone: identifiers are only ever added, never replaced. */
export function withIdentifiers(state: ContactState, setEmail: string | null, setPhone: string | null): ContactState {
  return {
    ...state,
    email: state.email ?? setEmail,
    phone: state.phone ?? setPhone,
  };
}

/**
 * Whether two states are the same contact, field by field. Cheaper than serializing both: a merge
 * that changed anything usually differs in `lastActivityAt` or the first recent activity, which
 * are compared first.
 */
export function sameContactState(a: ContactState, b: ContactState): boolean {
  if (ms(a.lastActivityAt) !== ms(b.lastActivityAt) || ms(a.firstSeenAt) !== ms(b.firstSeenAt)) return false;
  if (a.email !== b.email || a.phone !== b.phone || !sameStatus(a, b)) return false;
  if (a.recentActivities.length !== b.recentActivities.length || a.visitorIds.length !== b.visitorIds.length) return false;
  for (let i = 0; i < a.recentActivities.length; i++) {
    const x = a.recentActivities[i]!;
    const y = b.recentActivities[i]!;
    if (x.activityId !== y.activityId || x.type !== y.type || x.source !== y.source || ms(x.occurredAt) !== ms(y.occurredAt)) return false;
  }
  for (let i = 0; i < a.visitorIds.length; i++) if (a.visitorIds[i] !== b.visitorIds[i]) return false;
  if (a.recentPageViews.length !== b.recentPageViews.length) return false;
  for (let i = 0; i < a.recentPageViews.length; i++) {
    const x = a.recentPageViews[i]!;
    const y = b.recentPageViews[i]!;
    if (x.pageViewId !== y.pageViewId || x.url !== y.url || x.title !== y.title || ms(x.viewedAt) !== ms(y.viewedAt)) return false;
  }
  const keys = Object.keys(a.fields);
  if (keys.length !== Object.keys(b.fields).length) return false;
  for (const key of keys) {
    const x = a.fields[key]!;
    const y = Object.hasOwn(b.fields, key) ? b.fields[key] : undefined;
    if (!y || x.value !== y.value || x.source !== y.source || x.activityId !== y.activityId || ms(x.setAt) !== ms(y.setAt)) return false;
  }
  return true;
}

/** Just the event-derived state of a contact (a stored record carries id, version, timestamps too). */
export function contactStateOf(c: ContactState): ContactState {
  return {
    email: c.email,
    phone: c.phone,
    fields: c.fields,
    recentActivities: c.recentActivities,
    recentPageViews: c.recentPageViews,
    visitorIds: c.visitorIds,
    firstSeenAt: c.firstSeenAt,
    lastActivityAt: c.lastActivityAt,
    ...statusPartOf(c),
  };
}
