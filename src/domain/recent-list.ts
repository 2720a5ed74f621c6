import type { RecentActivity, RecentPageView } from './types';

const time = (d: Date): number => {
  const t = d.getTime();
  return Number.isNaN(t) ? Number.NEGATIVE_INFINITY : t;
};

/**
 * Newest first by event time. Equal times put the greater activityId first, the same tie-break
 * field merging uses, so the list is a function of the set of activities, never of arrival order.
 */
export function compareRecent(a: RecentActivity, b: RecentActivity): number {
  const byTime = time(b.occurredAt) - time(a.occurredAt);
  if (byTime !== 0 && !Number.isNaN(byTime)) return byTime;
  return a.activityId < b.activityId ? 1 : a.activityId > b.activityId ? -1 : 0;
}

/**
 * Keeps the `limit` newest. Truncating after each insert is safe for order independence: an entry
 * pushed out can never come back into the top `limit`, so the result is always the top `limit` of
 * everything ever inserted. An activityId already present is kept as is (a replay changes nothing).
 */
export function insertRecent(list: readonly RecentActivity[], item: RecentActivity, limit: number): RecentActivity[] {
  return insertTopN(list, item, limit, (e) => e.activityId, compareRecent);
}

/** Same order as compareRecent: newest viewedAt first, equal times → greater pageViewId first. */
export function compareRecentPageView(a: RecentPageView, b: RecentPageView): number {
  const byTime = time(b.viewedAt) - time(a.viewedAt);
  if (byTime !== 0 && !Number.isNaN(byTime)) return byTime;
  return a.pageViewId < b.pageViewId ? 1 : a.pageViewId > b.pageViewId ? -1 : 0;
}

/**
 * insertRecent for page views: the `limit` newest, deduped by pageViewId (a replayed or re-stitched
 * view changes nothing), so the list depends only on the set of views ever attached.
 */
export function insertRecentPageView(list: readonly RecentPageView[], item: RecentPageView, limit: number): RecentPageView[] {
  return insertTopN(list, item, limit, (e) => e.pageViewId, compareRecentPageView);
}

/** The shared mechanism: dedupe by id (the entry already present wins), sort, keep `limit`. */
function insertTopN<T>(list: readonly T[], item: T, limit: number, idOf: (e: T) => string, compare: (a: T, b: T) => number): T[] {
  const cap = Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : 0;
  const seen = new Set<string>();
  const merged: T[] = [];
  for (const entry of [...list, item]) {
    const id = idOf(entry);
    if (seen.has(id)) continue;
    seen.add(id);
    merged.push(entry);
  }
  return merged.sort(compare).slice(0, cap);
}
