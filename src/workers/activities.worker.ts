import { UnrecoverableError, Worker } from 'bullmq';
import { ACTIVITIES_QUEUE, type JobSealer, type StoredActivityJob } from '../jobs/activities.queue';
import { SealedPayloadError } from '../jobs/payload-cipher';
import type { RedisConnection } from '../jobs/redis-connection';
import type { ProcessActivityResult } from '../services/process-activity.service';
import type { RecordPageViewResult } from '../services/record-page-view.service';
import type { Logger } from '../shared/logger';
import type { ActivityHandler } from './activity-handler';
import { failureReason, isRetryable, isStoreOutage } from './job-errors';
import { createOutageBackoff } from './outage-backoff';

export interface ActivitiesWorkerDeps {
  connection: RedisConnection;
  prefix: string;
  concurrency: number;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  logger: Logger;
  /** Opens the payload each job carries sealed (PAYLOAD_KEY). */
  sealer: JobSealer;
  /** Called once a job is finished (processed, or failed for good); not for a retry. */
  onFinished?(job: Pick<StoredActivityJob, 'account' | 'activityId'>): void;
  /** The use case per job kind (activity-handler.ts). */
  handle: ActivityHandler;
  /** From the repositories: which store errors are worth a retry. */
  isTransientStoreError(err: unknown): boolean;
  /**
   * Holds every worker of the queue back for `ms` (BullMQ's manual rate limit). Used while the store
   * is unreachable, so an outage of any length consumes no job attempts.
   */
  pauseQueue(ms: number): Promise<void>;
  /** First pause during a store outage; doubles while it lasts, up to a minute. */
  outageBackoffMs: number;
}

// A job whose worker died is handed on this many times before it is failed. Re-running a job is
// safe (the use case is idempotent), so only a job that keeps killing its worker should ever fail
// this way, never one caught by a few rolling restarts.
const MAX_STALLED_COUNT = 20;

/**
 * Thin by design: parse job.data, call the use case, translate errors:
 *  - store unreachable: the job goes back to the queue untouched (no attempt used) and the queue
 *    pauses with a growing delay, so a long outage ends with every job completing, not failing;
 *  - contention: rethrown, BullMQ retries it with backoff;
 *  - anything else is permanent: the job fails at once (UnrecoverableError) with a readable
 *    `code: message` reason and no PII, to be replayed after a fix.
 */
export function createActivitiesWorker(deps: ActivitiesWorkerDeps): Worker<StoredActivityJob, ProcessActivityResult | RecordPageViewResult> {
  const outage = createOutageBackoff(deps.outageBackoffMs);
  const worker = new Worker<StoredActivityJob, ProcessActivityResult | RecordPageViewResult>(
    ACTIVITIES_QUEUE,
    async (job) => {
      // The job's child logger is built only when something is logged: not for a quiet success.
      let child: Logger | undefined;
      const log = () => (child ??= deps.logger.child({ jobId: job.id, attempt: job.attemptsMade + 1 }));
      const data = openJob(deps.sealer, job.data);
      try {
        const result = await deps.handle(data);
        outage.succeeded();
        if (deps.logger.isLevelEnabled('debug')) log().debug({ account: data.account, ...outcomeOf(result) }, 'activity processed');
        return result;
      } catch (err) {
        const reason = failureReason(err);
        if (isStoreOutage(err, deps.isTransientStoreError)) {
          const pauseMs = outage.failed();
          if (pauseMs !== null) {
            log().warn({ account: data.account, reason, pauseMs }, 'store unreachable: job returned to the queue, queue paused');
            await deps.pauseQueue(pauseMs);
          }
          throw Worker.RateLimitError();
        }
        if (!isRetryable(err, deps.isTransientStoreError)) {
          log().warn({ account: data.account, reason }, 'activity failed permanently');
          throw new UnrecoverableError(reason);
        }
        log().warn({ account: data.account, reason }, 'activity failed, will retry');
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
  // Finished: completed, or failed for good (permanent, out of attempts, or unreadable: BullMQ then
  // sets finishedOn; a retry does not). The account and id are in clear on the stored job.
  if (deps.onFinished) {
    const finished = deps.onFinished;
    worker.on('completed', (job) => finished(job.data));
    worker.on('failed', (job) => {
      if (job?.finishedOn) finished(job.data);
    });
  }
  // A suppressed person's raw payload must not wait out the completed-job retention in Redis: the
  // record keeps nothing of it. A redelivery of the same activity then finds the record and
  // changes nothing (it is answered `queued` rather than `duplicate`).
  worker.on('completed', (job, result) => {
    if (result && 'resolution' in result && result.outcome === 'suppressed') {
      job.remove().catch((err: unknown) => deps.logger.warn({ err, jobId: job.id }, 'could not remove the job of a suppressed activity'));
    }
  });
  return worker;
}

/** A job that does not parse or open fails at once: only a replay after a fix (or a key) helps it. */
function openJob(sealer: JobSealer, stored: unknown) {
  try {
    return sealer.open(stored);
  } catch (err) {
    if (err instanceof SealedPayloadError) throw new UnrecoverableError(err.message);
    throw new UnrecoverableError('invalid_job: the job data does not match the activities queue schema');
  }
}

function outcomeOf(result: ProcessActivityResult | RecordPageViewResult): { outcome: string; resolution?: string } {
  return 'resolution' in result ? { outcome: result.outcome, resolution: result.resolution } : { outcome: result.outcome };
}
