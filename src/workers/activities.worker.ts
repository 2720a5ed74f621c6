import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { ACTIVITIES_QUEUE, activityJobSchema, type ActivityJobData } from '../jobs/activities.queue';
import type { RedisConnection } from '../jobs/redis-connection';
import type { ProcessActivityInput, ProcessActivityResult } from '../services/process-activity.service';
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
  /** From the repositories: which store errors are worth a retry. */
  isTransientStoreError(err: unknown): boolean;
  /** Lets metrics or tests observe outcomes without the worker knowing about them. */
  onProcessed?(result: ProcessActivityResult, job: Job<ActivityJobData>): void;
}

/**
 * Thin by design: parse job.data, call the use case, translate errors. Permanent errors fail the
 * job at once (UnrecoverableError) with a readable `code: message` reason and no PII; anything
 * else is rethrown so BullMQ retries it with backoff.
 */
export function createActivitiesWorker(deps: ActivitiesWorkerDeps): Worker<ActivityJobData, ProcessActivityResult> {
  const worker = new Worker<ActivityJobData, ProcessActivityResult>(
    ACTIVITIES_QUEUE,
    async (job) => {
      const log = deps.logger.child({ jobId: job.id, attempt: job.attemptsMade + 1 });
      const data = activityJobSchema.safeParse(job.data);
      if (!data.success) throw new UnrecoverableError('invalid_job: the job data does not match the activities queue schema');
      try {
        const result = await deps.processActivity({
          account: data.data.account,
          activityId: data.data.activityId,
          receivedAt: new Date(data.data.receivedAt),
          payload: data.data.payload,
          provider: data.data.kind === 'webhook' ? data.data.provider : null,
          reprocess: data.data.reprocess === true,
        });
        log.debug({ account: data.data.account, outcome: result.outcome, resolution: result.resolution }, 'activity processed');
        deps.onProcessed?.(result, job);
        return result;
      } catch (err) {
        const reason = failureReason(err);
        if (!isRetryable(err, deps.isTransientStoreError)) {
          log.warn({ account: data.data.account, reason }, 'activity failed permanently');
          throw new UnrecoverableError(reason);
        }
        log.warn({ account: data.data.account, reason }, 'activity failed, will retry');
        throw new Error(reason);
      }
    },
    {
      connection: deps.connection,
      prefix: deps.prefix,
      concurrency: deps.concurrency,
      autorun: false,
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
