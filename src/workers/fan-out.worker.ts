import { UnrecoverableError, Worker } from 'bullmq';
import { PROCESS_ACTIVITY, activityJobSchema, type ActivitiesQueue, type ActivityJobData } from '../jobs/activities.queue';
import {
  DONE_MAX,
  DONE_WINDOW_MS,
  INTAKE_QUEUE,
  intakeDoneKey,
  intakeJobSchema,
  intakeMarkerKey,
  withIntakeScripts,
  type IntakeJobData,
} from '../jobs/intake.queue';
import type { RedisConnection } from '../jobs/redis-connection';
import type { Logger } from '../shared/logger';
import type { ActivityHandler } from './activity-handler';
import { identityLanes, lanesPerJob, runLanes } from './identity-lanes';
import { failureReason, isStoreOutage } from './job-errors';
import { createOutageBackoff } from './outage-backoff';

export interface FanOutWorkerDeps {
  connection: RedisConnection;
  prefix: string;
  concurrency: number;
  /** Where the activities jobs go; also the connection the markers are deleted through. */
  activitiesQueue: ActivitiesQueue;
  markerClient: RedisConnection;
  logger: Logger;
  /** Same lock and stalled-check settings as the activities worker (WORKER_LOCK_MS, …). */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /** INTAKE_PROCESSING=inline: run the use case here; absent: one activities job per activity. */
  inline?: InlineProcessing;
  /** Only tests shrink it, to watch the trim. */
  doneMax?: number;
}

export interface InlineProcessing {
  handle: ActivityHandler;
  isTransientStoreError(err: unknown): boolean;
  /** After a store outage, how long intake jobs go straight to the activities queue; doubles while it lasts. */
  outageBackoffMs: number;
  /** An activity handed to the activities queue instead (metrics). */
  onHandedOff?(reason: string): void;
}

/** The hand-off reason while inline processing waits out a store outage (its code is the metric label). */
const SKIPPED_FOR_OUTAGE = 'store_outage: inline processing paused after the store was unreachable';

export interface FanOutResult {
  activities: number;
  /** Processed here (INTAKE_PROCESSING=inline). */
  processed: number;
  /** Now an activities job each: failed here, or the store was unreachable, or inline is off. */
  handedOff: number;
}

/**
 * Empties the intake stage. With inline processing (the default) it runs the use case on each
 * activity of an intake job, in lanes (identity-lanes.ts: one person's activities in job order,
 * different people's at once), and hands only what fails to the activities queue, where
 * retries, the outage pause, the failed set and replay work as for any activities job. Without it,
 * every activity becomes an activities job. Either way the job ends with one DONE script: the ids
 * processed here enter the done set (which answers `duplicate` for them) and the job's markers go.
 *
 * Safe to run twice (a retry, a stalled job taken over): the use case is idempotent per activity
 * id (docs/exactly-once.md), BullMQ adds nothing for a job id it already has, and the script's
 * writes are idempotent. Until the script runs the markers still answer `duplicate` and `queued`.
 */
export function createFanOutWorker(deps: FanOutWorkerDeps): Worker<IntakeJobData, FanOutResult> {
  const { activitiesQueue, inline } = deps;
  const scripts = withIntakeScripts(deps.markerClient);
  // After a store outage, inline processing is skipped for a growing while: every attempt would
  // only wait for a timeout, and the activities worker already knows how to sit an outage out.
  const outage = createOutageBackoff(inline?.outageBackoffMs ?? 0);
  const lanes = lanesPerJob(deps.concurrency);

  const worker = new Worker<IntakeJobData, FanOutResult>(
    INTAKE_QUEUE,
    async (job) => {
      if (!intakeJobSchema.safeParse(job.data).success) {
        throw new UnrecoverableError('invalid_job: the job data does not match the intake queue schema');
      }
      const items: ActivityJobData[] = job.data.jobs;
      const processed: string[] = [];
      let handOff: ActivityJobData[] = items;

      if (inline && outage.active()) {
        for (let i = 0; i < items.length; i++) inline.onHandedOff?.(SKIPPED_FOR_OUTAGE);
      } else if (inline) {
        handOff = [];
        // Once the store is found unreachable, the items not yet started go to the activities queue
        // with that reason: each would only wait for its own timeout.
        let outageReason: string | null = null;
        await runLanes(identityLanes(items), lanes, async (i) => {
          const item = items[i]!;
          if (outageReason !== null) {
            inline.onHandedOff?.(outageReason);
            handOff.push(item);
            return;
          }
          const data = activityJobSchema.safeParse(item);
          if (!data.success) {
            // The activities worker fails it with the same reason as ever, visibly, for a replay.
            handOff.push(item);
            inline.onHandedOff?.('invalid_job');
            return;
          }
          try {
            await inline.handle(data.data);
            processed.push(item.activityId);
            if (outageReason === null) outage.succeeded();
          } catch (err) {
            const reason = failureReason(err);
            if (isStoreOutage(err, inline.isTransientStoreError)) {
              if (outageReason === null) {
                outageReason = reason;
                const skipMs = outage.failed();
                if (skipMs !== null) deps.logger.warn({ reason, skipMs }, 'store unreachable: intake jobs go to the activities queue for now');
              }
            } else {
              deps.logger.info({ account: item.account, activityId: item.activityId, reason }, 'activity handed to the activities queue');
            }
            inline.onHandedOff?.(reason);
            handOff.push(item);
          }
        });
      }

      if (handOff.length > 0) {
        await activitiesQueue.addBulk(handOff.map((data) => ({ name: PROCESS_ACTIVITY, data, opts: { jobId: data.activityId } })));
      }
      // Every key shares the prefix's hash tag: one slot on a cluster too.
      const keys = [intakeDoneKey(worker), ...items.map((j) => intakeMarkerKey(worker, j.activityId))];
      await scripts.contactflowIntakeDone(keys.length, ...keys, DONE_WINDOW_MS, deps.doneMax ?? DONE_MAX, ...processed);
      return { activities: items.length, processed: processed.length, handedOff: handOff.length };
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
  worker.on('error', (err) => deps.logger.error({ err }, 'intake fan-out worker error'));
  return worker;
}
