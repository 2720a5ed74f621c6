import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { ACTIVITIES_QUEUE, activityJobSchema, type ActivityJobData } from '../jobs/activities.queue';
import type { RedisConnection } from '../jobs/redis-connection';
import type { ProcessActivityInput, ProcessActivityResult } from '../services/process-activity.service';
import type { RecordPageViewInput, RecordPageViewResult } from '../services/record-page-view.service';
import { AppError, ContentionError, PermanentJobError, TransientStoreError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import { maskPii } from '../shared/pii';

export interface ActivitiesWorkerDeps {
  connection: RedisConnection;
  prefix: string;
  concurrency: number;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  logger: Logger;
  processActivity(input: ProcessActivityInput): Promise<ProcessActivityResult>;
  /** `page-view` jobs share the queue (and its retry, outage and failure handling). */
  recordPageView(input: RecordPageViewInput): Promise<RecordPageViewResult>;
  /** From the repositories: which store errors are worth a retry. */
  isTransientStoreError(err: unknown): boolean;
  /**
   * Holds every worker of the queue back for `ms` (BullMQ's manual rate limit). Used while the store
   * is unreachable, so an outage of any length consumes no job attempts.
   */
  pauseQueue(ms: number): Promise<void>;
  /** First pause during a store outage; doubles while it lasts, up to a minute. */
  outageBackoffMs: number;
  /** Lets metrics or tests observe outcomes without the worker knowing about them. */
  onProcessed?(result: ProcessActivityResult, job: Job<ActivityJobData>): void;
}

const MAX_OUTAGE_PAUSE_MS = 60_000;
// A job whose worker died is handed on this many times before it is failed: deploys kill workers.
const MAX_STALLED_COUNT = 5;

/**
 * Thin by design: parse job.data, call the use case, translate errors:
 *  - store unreachable: the job goes back to the queue untouched (no attempt used) and the queue
 *    pauses with a growing delay, so a long outage ends with every job completing, not failing;
 *  - contention: rethrown, BullMQ retries it with backoff;
 *  - anything else is permanent: the job fails at once (UnrecoverableError) with a readable
 *    `code: message` reason and no PII, to be replayed after a fix.
 */
export function createActivitiesWorker(deps: ActivitiesWorkerDeps): Worker<ActivityJobData, ProcessActivityResult | RecordPageViewResult> {
  let outageStreak = 0;
  const worker = new Worker<ActivityJobData, ProcessActivityResult | RecordPageViewResult>(
    ACTIVITIES_QUEUE,
    async (job) => {
      // The job's child logger is built only when something is logged: not for a quiet success.
      let child: Logger | undefined;
      const log = () => (child ??= deps.logger.child({ jobId: job.id, attempt: job.attemptsMade + 1 }));
      const data = activityJobSchema.safeParse(job.data);
      if (!data.success) throw new UnrecoverableError('invalid_job: the job data does not match the activities queue schema');
      try {
        if (data.data.kind === 'page-view') {
          const viewed = await deps.recordPageView({
            account: data.data.account,
            pageViewId: data.data.activityId,
            receivedAt: new Date(data.data.receivedAt),
            payload: data.data.payload,
          });
          outageStreak = 0;
          if (deps.logger.isLevelEnabled('debug')) log().debug({ account: data.data.account, outcome: viewed.outcome }, 'page view recorded');
          return viewed;
        }
        const result = await deps.processActivity({
          account: data.data.account,
          activityId: data.data.activityId,
          receivedAt: new Date(data.data.receivedAt),
          payload: data.data.payload,
          provider: data.data.kind === 'webhook' ? data.data.provider : null,
          reprocess: data.data.reprocess === true,
        });
        outageStreak = 0;
        if (deps.logger.isLevelEnabled('debug')) {
          log().debug({ account: data.data.account, outcome: result.outcome, resolution: result.resolution }, 'activity processed');
        }
        deps.onProcessed?.(result, job);
        return result;
      } catch (err) {
        const reason = failureReason(err);
        if (isStoreOutage(err, deps.isTransientStoreError)) {
          const pauseMs = Math.min(deps.outageBackoffMs * 2 ** Math.min(outageStreak++, 16), MAX_OUTAGE_PAUSE_MS);
          log().warn({ account: data.data.account, reason, pauseMs }, 'store unreachable: job returned to the queue, queue paused');
          await deps.pauseQueue(pauseMs);
          throw Worker.RateLimitError();
        }
        if (!isRetryable(err, deps.isTransientStoreError)) {
          log().warn({ account: data.data.account, reason }, 'activity failed permanently');
          throw new UnrecoverableError(reason);
        }
        log().warn({ account: data.data.account, reason }, 'activity failed, will retry');
        throw new Error(reason);
      }
    },
    {
      connection: deps.connection,
      prefix: deps.prefix,
      concurrency: deps.concurrency,
      autorun: false,
      maxStalledCount: MAX_STALLED_COUNT,
      ...(deps.lockDurationMs ? { lockDuration: deps.lockDurationMs } : {}),
      ...(deps.stalledIntervalMs ? { stalledInterval: deps.stalledIntervalMs } : {}),
    },
  );
  worker.on('error', (err) => deps.logger.error({ err }, 'activities worker error'));
  return worker;
}

/**
 * Only faults that can pass (store outage, contention) are retried. Everything else, a bad payload
 * or a bug, fails at once and visibly: retrying would only delay the same failure, and a code fix
 * plus a replay is the remedy.
 */
export function isStoreOutage(err: unknown, isTransientStoreError: (err: unknown) => boolean): boolean {
  return err instanceof TransientStoreError || (!(err instanceof AppError) && isTransientStoreError(err));
}

export function isRetryable(err: unknown, isTransientStoreError: (err: unknown) => boolean): boolean {
  if (err instanceof PermanentJobError) return false;
  if (err instanceof TransientStoreError || err instanceof ContentionError) return true;
  return isTransientStoreError(err);
}

/** What Bull Board and GET /v1/activities/:id show: `code: message`, masked, no stack. */
export function failureReason(err: unknown): string {
  if (err instanceof AppError) return maskPii(`${err.code}: ${err.message}`);
  const e = err as { name?: string; message?: string; code?: unknown };
  const code = typeof e?.code === 'string' || typeof e?.code === 'number' ? String(e.code) : (e?.name ?? 'Error');
  return maskPii(`${code}: ${e?.message ?? String(err)}`);
}
