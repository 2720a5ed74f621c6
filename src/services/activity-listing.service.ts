import { openedOrNull, type ActivitiesQueue, type JobSealer } from '../jobs/activities.queue';
import type { ActivityRepository } from '../repositories';
import { ValidationError } from '../shared/errors';
import { maskPii } from '../shared/pii';

/** What the failed listing needs of the activities queue. */
export type FailedJobsQueue = Pick<ActivitiesQueue, 'getJobs'>;

export interface ActivityListQuery {
  outcome: 'unidentified' | 'failed';
  /** receivedAt bounds: [since, until). */
  since?: Date;
  until?: Date;
  limit: number;
  cursor?: string;
}

export interface UnidentifiedActivityView {
  id: string;
  type: string;
  source: string;
  provider: string | null;
  occurredAt: string;
  receivedAt: string;
  /** Why nobody was identified (codes such as email_invalid), masked. */
  warnings: string[];
}

export interface FailedActivityView {
  id: string;
  kind: 'activity' | 'webhook' | 'page-view';
  provider: string | null;
  /** The activity type when the payload names one (canonical activities), else null. */
  type: string | null;
  receivedAt: string;
  failedAt: string | null;
  attempts: number;
  /** `code: message`, emails and phones masked. */
  reason: string;
}

export interface ActivityListPage<T> {
  outcome: ActivityListQuery['outcome'];
  /** Every match of the filter (not only this page). For failed: within the scanned jobs, see `complete`. */
  count: number;
  /** False when the failed set held more jobs than one request reads: the count and pages are partial. */
  complete: boolean;
  data: T[];
  nextCursor: string | null;
}

export interface ActivityListingDeps {
  activities: ActivityRepository;
  queue: FailedJobsQueue;
  /** Opens a failed job's payload for its activity type (the type is all the listing shows of it). */
  sealer: JobSealer;
  /** The most failed jobs one request reads (of every account); default 10,000. */
  failedScanLimit?: number;
}

const FAILED_PAGE = 500;
const DEFAULT_FAILED_SCAN_LIMIT = 10_000;
const ACTIVITY_ID = /^act_[0-9a-f]{32}$/;
const FAILED_CURSOR = /^(\d{1,16})\.(act_[0-9a-f]{32})$/;

/**
 * GET /v1/activities?outcome=unidentified|failed: what did not become part of a contact, for one
 * account. Unidentified activities are records in the store (paged by id, counted by the store).
 * Failed ones exist only as jobs in BullMQ's failed set, which holds every account's jobs: the
 * newest `failedScanLimit` of them are read per request and filtered by account, newest failure
 * first. No PII leaves: identifiers and payloads are never shown, reasons and warnings are masked.
 */
export function createActivityListing(deps: ActivityListingDeps) {
  const failedScanLimit = deps.failedScanLimit ?? DEFAULT_FAILED_SCAN_LIMIT;

  return {
    async list(account: string, q: ActivityListQuery): Promise<ActivityListPage<UnidentifiedActivityView | FailedActivityView>> {
      if (q.since && q.until && q.since >= q.until) throw new ValidationError('since must be before until', [{ path: 'until', message: 'must be after since' }]);
      return q.outcome === 'unidentified' ? listUnidentified(account, q) : strip(await listFailed(account, q));
    },

    /**
     * For the admin: failed jobs of every account (or of one), each naming its account, since the
     * failed set is shared; unidentified activities are kept per account, so those need one.
     */
    async listForAdmin(account: string | null, q: ActivityListQuery): Promise<ActivityListPage<(UnidentifiedActivityView | FailedActivityView) & { account: string }>> {
      if (q.since && q.until && q.since >= q.until) throw new ValidationError('since must be before until', [{ path: 'until', message: 'must be after since' }]);
      if (q.outcome === 'failed') return listFailed(account, q);
      if (account === null) throw new ValidationError('Unidentified activities are listed per account', [{ path: 'account', message: 'required with outcome=unidentified' }]);
      const page = await listUnidentified(account, q);
      return { ...page, data: page.data.map((a) => ({ ...a, account })) };
    },
  };

  function strip(page: ActivityListPage<FailedActivityView & { account: string }>): ActivityListPage<FailedActivityView> {
    return { ...page, data: page.data.map(({ account: _account, ...view }) => view) };
  }

  async function listUnidentified(account: string, q: ActivityListQuery): Promise<ActivityListPage<UnidentifiedActivityView>> {
    if (q.cursor !== undefined && !ACTIVITY_ID.test(q.cursor)) throw badCursor();
    const [page, count] = await Promise.all([
      deps.activities.listUnidentified(account, { since: q.since, until: q.until, after: q.cursor, limit: q.limit + 1 }),
      deps.activities.countUnidentified(account, { since: q.since, until: q.until }),
    ]);
    const data = page.slice(0, q.limit).map((r) => ({
      id: r.id,
      type: r.type,
      source: r.source,
      provider: r.provider,
      occurredAt: r.occurredAt.toISOString(),
      receivedAt: r.receivedAt.toISOString(),
      warnings: r.warnings.map(maskPii),
    }));
    return { outcome: 'unidentified', count, complete: true, data, nextCursor: page.length > q.limit ? data.at(-1)!.id : null };
  }

  async function listFailed(account: string | null, q: ActivityListQuery): Promise<ActivityListPage<FailedActivityView & { account: string }>> {
    const after = q.cursor === undefined ? null : parseFailedCursor(q.cursor);
    const seen = new Set<string>();
    const matches: { at: number; view: FailedActivityView & { account: string } }[] = [];
    let complete = true;
    for (let start = 0; ; start += FAILED_PAGE) {
      if (start >= failedScanLimit) {
        complete = false;
        break;
      }
      const size = Math.min(FAILED_PAGE, failedScanLimit - start);
      // Newest failure first (the failed set is ordered by failure time).
      const jobs = await deps.queue.getJobs(['failed'], start, start + size - 1, false);
      let older = true;
      for (const job of jobs) {
        if (!job?.id || seen.has(job.id)) continue; // a page boundary shifted under a new failure
        seen.add(job.id);
        const at = job.finishedOn ?? 0;
        // A job received at or after `since` failed after it too: past that, nothing older matches.
        if (!q.since || at >= q.since.getTime()) older = false;
        if (account !== null && job.data?.account !== account) continue;
        const receivedAt = receivedAtOf(job);
        if (q.since && receivedAt < q.since.getTime()) continue;
        if (q.until && receivedAt >= q.until.getTime()) continue;
        matches.push({ at, view: { ...failedView(job, deps.sealer), account: String(job.data?.account ?? '') } });
      }
      if (jobs.length < size || (q.since && older)) break;
    }
    // Newest first, ties by id descending: the same order whatever page boundary a job fell on.
    matches.sort((a, b) => b.at - a.at || (a.view.id < b.view.id ? 1 : a.view.id > b.view.id ? -1 : 0));
    const rest = after ? matches.filter((m) => m.at < after.at || (m.at === after.at && m.view.id < after.id)) : matches;
    const page = rest.slice(0, q.limit);
    const last = page.at(-1);
    const nextCursor = rest.length > q.limit && last ? `${last.at}.${last.view.id}` : null;
    return { outcome: 'failed', count: matches.length, complete, data: page.map((m) => m.view), nextCursor };
  }
}

export type ActivityListing = ReturnType<typeof createActivityListing>;

type Job = Awaited<ReturnType<FailedJobsQueue['getJobs']>>[number];

function failedView(job: Job, sealer: JobSealer): FailedActivityView {
  const data = job.data;
  const type = data.kind === 'activity' ? activityTypeOf(sealer, data) : null;
  return {
    id: job.id!,
    kind: data.kind,
    provider: data.kind === 'webhook' ? data.provider : null,
    type,
    receivedAt: new Date(receivedAtOf(job)).toISOString(),
    failedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
    attempts: job.attemptsMade,
    reason: maskPii(job.failedReason ?? 'unknown'),
  };
}

/** A job that does not open has no type here; it is listed with its reason, which says why. */
function activityTypeOf(sealer: JobSealer, stored: unknown): string | null {
  const payload = openedOrNull(sealer, stored)?.payload as { type?: unknown } | null | undefined;
  return typeof payload?.type === 'string' ? maskPii(payload.type.slice(0, 100)) : null;
}

/** When the intake accepted the activity (a replay re-adds a job later, with the same receivedAt). */
function receivedAtOf(job: Job): number {
  const t = Date.parse(job.data.receivedAt);
  return Number.isNaN(t) ? job.timestamp : t;
}

function parseFailedCursor(cursor: string): { at: number; id: string } {
  const m = FAILED_CURSOR.exec(cursor);
  if (!m) throw badCursor();
  return { at: Number(m[1]), id: m[2]! };
}

function badCursor(): ValidationError {
  return new ValidationError('Invalid cursor', [{ path: 'cursor', message: 'use the nextCursor of the previous page, with the same outcome' }]);
}
