import type { RecentActivity } from './types';

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
  const cap = Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : 0;
  const seen = new Set<string>();
  const merged: RecentActivity[] = [];
  for (const entry of [...list, item]) {
    if (seen.has(entry.activityId)) continue;
    seen.add(entry.activityId);
    merged.push(entry);
  }
  return merged.sort(compareRecent).slice(0, cap);
}
