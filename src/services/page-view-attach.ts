import { contactStateOf, insertRecentPageView, sameContactState, type ContactState, type RecentPageView } from '../domain';
import type { PageViewRecord, Repositories } from '../repositories';
import { ContentionError, VersionConflictError } from '../shared/errors';

/** Optimistic rounds against concurrent contact writers, within one job attempt. */
const MAX_ROUNDS = 10;
/** Views listed per stitching round; the contact keeps only `recentLimit` of them anyway. */
const STITCH_BATCH = 100;
/** Bounds one stitch: what is left stays unattached until the visitor's next identified activity. */
const MAX_STITCH_BATCHES = 20;

type Repos = Pick<Repositories, 'contacts' | 'pageViews'>;

/**
 * Attaching a page view is two idempotent writes, always in this order: merge it into the contact's
 * recentPageViews (a top-N set, so a repeat is a no-op), then set the view's contactId by
 * compare-and-set from null. A crash between them leaves the view unattached, and whichever runs
 * next (the page-view job's retry, or the activity job's stitching step) merges it again and sets it.
 */
export async function attachPageViews(repos: Repos, account: string, contactId: string, views: PageViewRecord[], recentLimit: number): Promise<boolean> {
  if (!(await mergeIntoContact(repos, account, contactId, views, recentLimit))) return false;
  for (const v of views) await repos.pageViews.attach(account, v.id, contactId);
  return true;
}

/**
 * Stitching (DESIGN identity rule 4): the contact holds `visitorId` (written before this runs), so
 * every earlier view of that visitor no contact holds yet is attached to it. The page-view side
 * writes its record before looking for a contact, this side writes the visitor id before looking
 * for views: whichever runs second sees the other's write.
 */
export async function stitchPageViews(repos: Repos, account: string, contactId: string, visitorId: string, recentLimit: number): Promise<number> {
  let attached = 0;
  for (let batch = 0; batch < MAX_STITCH_BATCHES; batch++) {
    const views = await repos.pageViews.listUnattached(account, visitorId, STITCH_BATCH);
    if (views.length === 0) break;
    // Each round shrinks the unattached set: a view is either attached here or already held by
    // another contact (and so no longer listed).
    if (!(await attachPageViews(repos, account, contactId, views, recentLimit))) break;
    attached += views.length;
  }
  return attached;
}

export function toRecentPageView(v: PageViewRecord): RecentPageView {
  return { pageViewId: v.id, url: v.url, title: v.title, viewedAt: v.viewedAt };
}

/** One versioned update per round; false when the contact no longer exists. */
async function mergeIntoContact(repos: Repos, account: string, contactId: string, views: PageViewRecord[], recentLimit: number): Promise<boolean> {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const contact = await repos.contacts.findById(account, contactId);
    if (!contact) return false;
    const current = contactStateOf(contact);
    const recentPageViews = views.reduce((list, v) => insertRecentPageView(list, toRecentPageView(v), recentLimit), current.recentPageViews);
    const next: ContactState = { ...current, recentPageViews };
    if (sameContactState(next, current)) return true;
    try {
      await repos.contacts.update(account, contactId, contact.version, next);
      return true;
    } catch (err) {
      if (err instanceof VersionConflictError) continue;
      throw err;
    }
  }
  throw new ContentionError(`contact ${contactId} kept changing while page views were attached`);
}

