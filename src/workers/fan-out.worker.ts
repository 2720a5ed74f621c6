import { UnrecoverableError, Worker } from 'bullmq';
import { PROCESS_ACTIVITY, type ActivitiesQueue, type ActivityJobData } from '../jobs/activities.queue';
import { INTAKE_QUEUE, intakeJobSchema, intakeMarkerKey, type IntakeJobData } from '../jobs/intake.queue';
import type { RedisConnection } from '../jobs/redis-connection';
import type { Logger } from '../shared/logger';

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
}

export interface FanOutResult {
  activities: number;
}

/**
 * Turns each intake job into one activities job per activity (jobId = activity id), then deletes
 * the "in the intake stage" markers: from then on the activities job answers `duplicate` itself.
 * Safe to run twice (a retry, a stalled job taken over): BullMQ adds nothing for an id it already
 * has, and deleting a deleted marker is a no-op. If this worker dies between the add and the
 * delete, the stalled-job check runs it again; the markers in between answer what is true anyway.
 */
export function createFanOutWorker(deps: FanOutWorkerDeps): Worker<IntakeJobData, FanOutResult> {
  const { activitiesQueue } = deps;
  const worker = new Worker<IntakeJobData, FanOutResult>(
    INTAKE_QUEUE,
    async (job) => {
      if (!intakeJobSchema.safeParse(job.data).success) {
        throw new UnrecoverableError('invalid_job: the job data does not match the intake queue schema');
      }
      const jobs: ActivityJobData[] = job.data.jobs;
      await activitiesQueue.addBulk(jobs.map((data) => ({ name: PROCESS_ACTIVITY, data, opts: { jobId: data.activityId } })));
      // One multi-key DEL: every key shares the prefix's hash tag, so it is one slot on a cluster too.
      await deps.markerClient.del(...jobs.map((j) => intakeMarkerKey(worker, j.activityId)));
      return { activities: jobs.length };
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
