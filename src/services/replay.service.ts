import type { Job as BullJob } from 'bullmq';
import { z } from 'zod';
import { ACTIVITIES_QUEUE, PROCESS_ACTIVITY, type ActivitiesQueue, type ActivityJobData, type JobSealer, type StoredActivityJob } from '../jobs/activities.queue';
import type { ActivityRepository } from '../repositories';
import { ValidationError } from '../shared/errors';
import { formatIssues } from '../shared/zod-issues';

const isoTime = z.iso.datetime({ offset: true }).transform((s) => new Date(s));

/** One request shape for POST /admin/replay and `npm run replay`. */
export const replayRequestSchema = z
  .object({
    queue: z.enum([ACTIVITIES_QUEUE]).default(ACTIVITIES_QUEUE),
    /** Case-insensitive substring of the failure reason (`code: message`), so an error code works too. */
    reason: z.string().trim().min(1).max(200).optional(),
    /** Arrival time bounds (when the job was enqueued / the activity received): [since, until). */
    since: isoTime.optional(),
    until: isoTime.optional(),
    jobIds: z.array(z.string().min(1).max(200)).min(1).max(10_000).optional(),
    dryRun: z.boolean().default(false),
    /** Also re-run activities recorded as unidentified (of `account`). */
    includeUnidentified: z.boolean().default(false),
    account: z.string().min(1).max(64).optional(),
  })
  .strict();

export type ReplayRequest = z.input<typeof replayRequestSchema>;
type ParsedRequest = z.output<typeof replayRequestSchema>;

export interface ReplayCounts {
  matched: number;
  replayed: number;
}

export interface ReplayResult extends ReplayCounts {
  dryRun: boolean;
  failed: ReplayCounts;
  unidentified: ReplayCounts;
}

export interface ReplayProgress {
  phase: 'scan' | 'replay';
  done: number;
  total: number;
}

export interface ReplayDeps {
  queues: Record<string, ActivitiesQueue>;
  /** Seals the payload of a job rebuilt from a stored unidentified activity. */
  sealer: JobSealer;
  /** Needed only for includeUnidentified (the CLI without MongoDB has none). */
  activities?: ActivityRepository;
  /** Whose unidentified activities are replayed when the request names no account. */
  defaultAccount: string;
  onReplayed?(queue: string, kind: 'failed' | 'unidentified', n: number): void;
}

const PAGE = 500;
/** BullMQ's largest priority, which runs last. */
const REPLAY_PRIORITY = 2_097_151;
const PARALLEL = 25;

/**
 * Replays what failed after the cause is fixed. Safe to run twice, or concurrently, because:
 *  - a failed job is retried in place (`job.retry`): same id, same raw payload, attempts reset.
 *    Once retried it is no longer in the failed set, so a second replay does not match it; a
 *    concurrent one loses the state check inside BullMQ and counts it as matched, not replayed.
 *  - the worker is idempotent: an activity already recorded is a no-op.
 *  - an unidentified activity is re-run with `reprocess`, which overwrites its record only while
 *    it is still unidentified (compare-and-set in the repository).
 * Each replayed job gets a log line with its previous failure, visible in Bull Board, because
 * retrying clears the failed reason.
 */
export function createReplayService(deps: ReplayDeps) {
  return {
    parse(input: unknown): ParsedRequest {
      const parsed = replayRequestSchema.safeParse(input);
      if (!parsed.success) throw new ValidationError('The replay request is invalid', formatIssues(parsed.error));
      const { since, until } = parsed.data;
      if (since && until && since >= until) {
        throw new ValidationError('since must be before until', [{ path: 'until', message: 'must be after since' }]);
      }
      return parsed.data;
    },

    async replay(input: unknown, onProgress?: (p: ReplayProgress) => void): Promise<ReplayResult> {
      const req = this.parse(input);
      const queue = deps.queues[req.queue];
      if (!queue) throw new ValidationError(`Unknown queue ${req.queue}`, [{ path: 'queue', message: 'unknown queue' }]);

      if (req.includeUnidentified && !deps.activities) {
        throw new ValidationError('Unidentified activities cannot be replayed without the activity store (MONGODB_URI)');
      }
      const failedIds = await matchFailedJobs(queue, req, onProgress);
      const account = req.account ?? deps.defaultAccount;
      const unidentified = req.includeUnidentified ? await matchUnidentified(deps.activities!, account, req) : [];
      const total = failedIds.length + unidentified.length;
      const result: ReplayResult = {
        matched: total,
        replayed: 0,
        dryRun: req.dryRun,
        failed: { matched: failedIds.length, replayed: 0 },
        unidentified: { matched: unidentified.length, replayed: 0 },
      };
      if (req.dryRun) return result;

      let done = 0;
      const tick = () => onProgress?.({ phase: 'replay', done: ++done, total });
      result.failed.replayed = await inBatches(failedIds, async (id) => {
        const ok = await retryFailed(queue, id);
        tick();
        return ok;
      });
      result.unidentified.replayed = await inBatches(unidentified, async (id) => {
        const ok = await reprocessUnidentified(queue, deps.sealer, deps.activities!, account, id);
        tick();
        return ok;
      });
      result.replayed = result.failed.replayed + result.unidentified.replayed;
      deps.onReplayed?.(req.queue, 'failed', result.failed.replayed);
      deps.onReplayed?.(req.queue, 'unidentified', result.unidentified.replayed);
      return result;
    },
  };
}

export type ReplayService = ReturnType<typeof createReplayService>;

type Job = NonNullable<Awaited<ReturnType<ActivitiesQueue['getJob']>>>;

function jobMatches(job: Job, req: ParsedRequest): boolean {
  if (req.reason && !(job.failedReason ?? '').toLowerCase().includes(req.reason.toLowerCase())) return false;
  if (req.since && job.timestamp < req.since.getTime()) return false;
  if (req.until && job.timestamp >= req.until.getTime()) return false;
  return true;
}

/**
 * Ids first, replay second: retrying while paging would shift the failed set under the cursor.
 * Only the ids of matching jobs are kept, so a large failed set costs memory per match, not per job.
 */
async function matchFailedJobs(queue: ActivitiesQueue, req: ParsedRequest, onProgress?: (p: ReplayProgress) => void): Promise<string[]> {
  const matched: string[] = [];
  if (req.jobIds) {
    for (const id of new Set(req.jobIds)) {
      const job = await queue.getJob(id);
      if (job && (await job.isFailed()) && jobMatches(job, req)) matched.push(id);
    }
    return matched;
  }
  const total = await queue.getFailedCount();
  for (let start = 0; start < total; start += PAGE) {
    const jobs = await queue.getJobs(['failed'], start, start + PAGE - 1, true);
    for (const job of jobs) if (job?.id && jobMatches(job, req)) matched.push(job.id);
    onProgress?.({ phase: 'scan', done: Math.min(start + PAGE, total), total });
    if (jobs.length < PAGE) break;
  }
  return matched;
}

async function retryFailed(queue: ActivitiesQueue, id: string): Promise<boolean> {
  const job = await queue.getJob(id);
  if (!job || !(await job.isFailed())) return false;
  try {
    await job.log(`replayed by operator at ${new Date().toISOString()}; previous failure: ${job.failedReason ?? 'unknown'}`);
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    return true;
  } catch {
    // Another replay (or a Bull Board click) moved it first: it is queued either way.
    return false;
  }
}

/** Ids only: a large replay must not hold every raw payload in memory at once. */
async function matchUnidentified(activities: ActivityRepository, account: string, req: ParsedRequest): Promise<string[]> {
  const wanted = req.jobIds ? new Set(req.jobIds) : null;
  const out: string[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await activities.listUnidentified(account, { since: req.since, until: req.until, after, limit: PAGE });
    for (const r of page) {
      if (wanted && !wanted.has(r.id)) continue;
      // For unidentified activities the "reason" is a warning code such as email_invalid.
      if (req.reason && !r.warnings.some((w) => w.toLowerCase().includes(req.reason!.toLowerCase()))) continue;
      out.push(r.id);
    }
    if (page.length < PAGE) return out;
    after = page.at(-1)!.id;
  }
}

/**
 * The job that recorded the activity is reused when Redis still has it (completed jobs are kept
 * a day). Otherwise a job is rebuilt from the stored raw payload and provider with the same id.
 * A job still waiting or running is left alone.
 */
async function reprocessUnidentified(queue: ActivitiesQueue, sealer: JobSealer, activities: ActivityRepository, account: string, id: string): Promise<boolean> {
  const job = await queue.getJob(id);
  if (job) {
    const state = await job.getState();
    if (state !== 'completed' && state !== 'failed') return false;
    try {
      // Job<A | B> is typed as Job<A> | Job<B>, whose updateData takes neither: widen it once.
      await (job as BullJob<StoredActivityJob>).updateData({ ...job.data, reprocess: true });
      await job.log(`reprocess of unidentified activity requested at ${new Date().toISOString()}`);
      await job.retry(state, { resetAttemptsMade: true, resetAttemptsStarted: true });
      return true;
    } catch {
      return false;
    }
  }
  const record = await activities.findById(account, id);
  if (record?.outcome !== 'unidentified') return false;
  // The record keeps the provider, so a webhook payload is mapped again by its provider's mapper.
  const common = { account: record.account, activityId: record.id, receivedAt: record.receivedAt.toISOString(), payload: record.payload, reprocess: true };
  const data: ActivityJobData = record.provider ? { kind: 'webhook', provider: record.provider, ...common } : { kind: 'activity', ...common };
  // The lowest priority: a mass re-run yields to new intake (the fair order's prioritized jobs).
  await queue.add(PROCESS_ACTIVITY, sealer.seal(data), { jobId: record.id, priority: REPLAY_PRIORITY });
  return true;
}

async function inBatches<T>(items: T[], fn: (item: T) => Promise<boolean>): Promise<number> {
  let n = 0;
  for (let i = 0; i < items.length; i += PARALLEL) {
    const results = await Promise.all(items.slice(i, i + PARALLEL).map(fn));
    n += results.filter(Boolean).length;
  }
  return n;
}
