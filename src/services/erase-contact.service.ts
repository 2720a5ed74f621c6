import { setTimeout as sleep } from 'node:timers/promises';
import { normalizeEmail, normalizeIdentifiers, type IdentityPolicy, type SuppressionHasher } from '../domain';
import { openedOrNull, type ActivitiesQueue, type ActivityJobData, type JobSealer } from '../jobs/activities.queue';
import type { ContactRecord, Repositories } from '../repositories';
import { AppError, NotFoundError } from '../shared/errors';
import { changeAccount } from './account-settings';
import { SETTINGS_CACHE_TTL_MS } from './accounts.service';
import { toCanonicalActivity } from './canonical-activity';
import { mapProviderPayloadWithinLimits } from './mappers';

/** What erase needs of the activities queue: find jobs by id and list them by state. */
export type EraseQueue = Pick<ActivitiesQueue, 'getJob' | 'getJobs'>;

export interface EraseContactDeps {
  repos: Pick<Repositories, 'accounts' | 'contacts' | 'activities' | 'pageViews' | 'suppressions'>;
  queue: EraseQueue;
  /** Job payloads are sealed at rest: the scan opens each to look for the person. */
  sealer: JobSealer;
  suppression: SuppressionHasher;
  /** The account's identity policy, to normalize identifiers found in queued payloads. */
  policyFor(account: string): Promise<IdentityPolicy>;
  /**
   * How long every process may still use an account read before the account's first suppression:
   * the erase waits this long after setting the flag (default SETTINGS_CACHE_TTL_MS).
   */
  settingsPropagationMs?: number;
  /** Drops this process's cached account at once. */
  invalidateAccount?(id: string): void;
  /** How long to wait for the person's jobs that a worker is running (default 5 s). */
  activeWaitMs?: number;
  /** The most jobs read from Redis looking for payloads that carry the person (default 10,000). */
  scanLimit?: number;
}

export interface EraseResult {
  /** 1: the contact was deleted (0 only when a concurrent erase or delete took it first). */
  contact: number;
  activities: number;
  pageViews: number;
  /** BullMQ jobs removed from Redis, in any state. */
  jobs: number;
  /** True when the contact's identifiers are now suppressed (hashes stored). */
  suppressed: boolean;
  /** False when the queue held more jobs than the scan reads: repeat the erase once it drained. */
  queueScanComplete: boolean;
}

/** The person's jobs are being run by a worker and did not finish within the wait: retry soon. */
export class ContactBusyError extends AppError {
  constructor(jobs: number) {
    super('contact_busy', `${jobs} activities of this contact are being processed right now; retry the erase in a few seconds`, 409);
  }
}

const DEFAULT_ACTIVE_WAIT_MS = 5_000;
const DEFAULT_SCAN_LIMIT = 10_000;
const SCAN_PAGE = 500;
const PARALLEL = 100;
const ACTIVE_POLL_MS = 100;
/**
 * The states whose jobs may carry the person without being in the store yet (or any more): about
 * to run first, failed last (they wait for a replay, so they are not urgent but must not stay).
 * Completed jobs are found by id: every one of them recorded its activity.
 */
const SCANNED_STATES = ['active', 'wait', 'prioritized', 'delayed', 'waiting-children', 'failed'] as const;

type Job = NonNullable<Awaited<ReturnType<EraseQueue['getJob']>>>;

interface Person {
  email: string | null;
  phone: string | null;
  visitorIds: ReadonlySet<string>;
}

/**
 * GDPR erase (DESIGN identity rule 8): the contact, its activities, page views, raw payloads and
 * identifiers leave the store and Redis. The order is what makes it hold while workers run:
 *  1. suppression first (when asked): the account's `hasSuppressions` flag, then (on its first
 *     suppression) a wait until every process's cached account has it, then the hashes. From then
 *     on the worker records any activity carrying the person's email or phone as `suppressed`,
 *     without PII, so nothing can bring them back. During the wait the contact still exists, so
 *     an activity of the person attaches to it and is erased with it below;
 *  2. Redis: the jobs of every activity and page view the store holds for the contact, plus the
 *     queued and failed jobs whose payload carries the person (a bounded scan); a job a worker is
 *     running cannot be removed, so erase waits for it (it then completes and is removed), and
 *     answers 409 `contact_busy` after `activeWaitMs`: nothing of the store was erased yet, and
 *     repeating the erase finishes it;
 *  3. the store: the contact first (no activity can attach to it any more), then the jobs of
 *     activities recorded for it in the meantime, then its activities and page views.
 * Erasing twice is harmless: the second call answers 404.
 */
export function createEraseContact(deps: EraseContactDeps) {
  const { repos, queue } = deps;
  const activeWaitMs = deps.activeWaitMs ?? DEFAULT_ACTIVE_WAIT_MS;
  const scanLimit = deps.scanLimit ?? DEFAULT_SCAN_LIMIT;

  return async function eraseContact(account: string, contactId: string, opts: { suppress: boolean }): Promise<EraseResult> {
    const contact = await repos.contacts.findById(account, contactId);
    if (!contact) throw new NotFoundError('contact');

    let suppressed = false;
    if (opts.suppress) {
      await flagSuppressions(account);
      const hashes = deps.suppression.hashes(account, contact);
      for (const { hash, kind } of hashes) await repos.suppressions.add({ account, hash, kind, createdAt: new Date() });
      suppressed = hashes.length > 0;
    }

    const activityIds = await repos.activities.listIdsForContact(account, contactId);
    const pageViewIds = await pageViewIdsOf(account, contact);
    const scan = await scanQueue(account, contact);
    let jobs = await removeJobs(account, [...new Set([...activityIds, ...pageViewIds, ...scan.ids])]);

    const deleted = await repos.contacts.delete(account, contactId);
    const known = new Set(activityIds);
    const late = (await repos.activities.listIdsForContact(account, contactId)).filter((id) => !known.has(id));
    if (late.length > 0) jobs += await removeJobs(account, late);
    const activities = await repos.activities.deleteForContact(account, contactId);
    const pageViews = await repos.pageViews.deleteByIds(account, pageViewIds);

    return { contact: deleted ? 1 : 0, activities, pageViews, jobs, suppressed, queueScanComplete: scan.complete };
  };

  /** Sets the account's flag once; the first time, waits until no process can hold an unflagged read. */
  async function flagSuppressions(account: string): Promise<void> {
    if ((await deps.repos.accounts.findById(account))?.hasSuppressions) return;
    await changeAccount(deps.repos.accounts, account, () => ({ changes: { hasSuppressions: true }, result: () => undefined }));
    deps.invalidateAccount?.(account);
    await sleep(deps.settingsPropagationMs ?? SETTINGS_CACHE_TTL_MS);
  }

  /** The contact's views (attached to it) and its visitors' views no contact holds yet. */
  async function pageViewIdsOf(account: string, contact: ContactRecord): Promise<string[]> {
    // Every attached view carries a visitor id its contact holds (attachment goes through the
    // visitor id), so the contact's visitor ids reach all of them.
    const lists = await Promise.all(contact.visitorIds.map((v) => repos.pageViews.listIdsOfVisitor(account, v)));
    return lists.flat().filter((v) => v.contactId === contact.id || v.contactId === null).map((v) => v.id);
  }

  /**
   * Jobs of the account, not yet (or no longer) in the store, whose payload carries the person:
   * their email or phone after the worker's normalization, or one of their visitor ids. Reads at
   * most `scanLimit` jobs, page by page; states shift while it reads, so it is best effort on top
   * of the removal by id, which is exact.
   */
  async function scanQueue(account: string, contact: ContactRecord): Promise<{ ids: string[]; complete: boolean }> {
    const policy = await deps.policyFor(account);
    const person: Person = { email: contact.email, phone: contact.phone, visitorIds: new Set(contact.visitorIds) };
    const ids: string[] = [];
    let scanned = 0;
    for (const state of SCANNED_STATES) {
      for (let start = 0; ; start += SCAN_PAGE) {
        if (scanned >= scanLimit) return { ids, complete: false };
        const size = Math.min(SCAN_PAGE, scanLimit - scanned);
        const page = await queue.getJobs([state], start, start + size - 1, true);
        scanned += page.length;
        for (const job of page) {
          if (job?.id && job.data?.account === account && carriesPerson(openedOrNull(deps.sealer, job.data), person, policy)) ids.push(job.id);
        }
        if (page.length < size) break;
      }
    }
    return { ids, complete: true };
  }

  /** Removes the jobs (any state); waits for the ones a worker holds, up to activeWaitMs. */
  async function removeJobs(account: string, ids: string[]): Promise<number> {
    const deadline = Date.now() + activeWaitMs;
    let removed = 0;
    let pending = ids;
    for (;;) {
      const busy: string[] = [];
      for (let i = 0; i < pending.length; i += PARALLEL) {
        const outcomes = await Promise.all(pending.slice(i, i + PARALLEL).map((id) => removeJob(account, id)));
        outcomes.forEach((o, j) => {
          if (o === 'removed') removed++;
          else if (o === 'active') busy.push(pending[i + j]!);
        });
      }
      if (busy.length === 0) return removed;
      if (Date.now() >= deadline) throw new ContactBusyError(busy.length);
      await sleep(ACTIVE_POLL_MS);
      pending = busy;
    }
  }

  async function removeJob(account: string, id: string): Promise<'removed' | 'missing' | 'active'> {
    const job: Job | undefined = await queue.getJob(id);
    // Ids are derived from the account, so another account's job cannot share one; checked anyway.
    if (!job || job.data?.account !== account) return 'missing';
    try {
      await job.remove();
      return 'removed';
    } catch {
      // BullMQ refuses to remove a job whose lock a worker holds.
      if (await job.isActive()) return 'active';
      // It finished between the two calls, or someone else removed it (retention, Bull Board).
      const now = await queue.getJob(id);
      if (!now) return 'missing';
      await now.remove();
      return 'removed';
    }
  }
}

export type EraseContact = ReturnType<typeof createEraseContact>;

/**
 * Whether a job's raw payload carries the person: read the way the worker reads it (provider
 * mapping, envelope, normalization), so "Ada@Example.com " in a queued payload matches the stored
 * ada@example.com. A payload the worker could not read either (why it may have failed) is searched
 * for email addresses instead.
 */
function carriesPerson(data: ActivityJobData | null, person: Person, policy: IdentityPolicy): boolean {
  // Unopenable (a key no longer configured, or altered): it can reveal nobody, and the id-based removal still applies.
  if (!data) return false;
  const payload = data.payload as Record<string, unknown> | null;
  if (data.kind === 'page-view') return typeof payload?.visitorId === 'string' && person.visitorIds.has(payload.visitorId);
  try {
    const envelope = data.kind === 'webhook' ? mapProviderPayloadWithinLimits(data.provider, data.payload).envelope : data.payload;
    const activity = toCanonicalActivity(data.activityId, envelope);
    const ids = normalizeIdentifiers(activity, policy);
    return (
      (ids.email !== null && ids.email === person.email) ||
      (ids.phone !== null && ids.phone === person.phone) ||
      (activity.visitorId !== null && person.visitorIds.has(activity.visitorId))
    );
  } catch {
    if (!person.email) return false;
    const text = JSON.stringify(data.payload) ?? '';
    return (text.match(EMAIL_TOKEN) ?? []).some((token) => normalizeEmail(token, policy).email === person.email);
  }
}

const EMAIL_TOKEN = /[^\s"'<>@,;:()[\]\\]+@[^\s"'<>@,;:()[\]\\]+/g;
