import type { Job, Worker } from 'bullmq';
import type { Metrics } from '../shared/metrics';

/**
 * Job counters from the worker's own events, so the processor stays free of metrics code.
 * BullMQ emits `failed` for every failed attempt; the attempt is final when the error was
 * unrecoverable or no attempts are left, otherwise BullMQ has scheduled a retry.
 */
export function instrumentWorker(worker: Worker, metrics: Metrics): void {
  const queue = worker.name;
  worker.on('completed', (job: Job) => {
    metrics.jobCompleted(queue, job.timestamp, job.finishedOn ?? Date.now());
  });
  worker.on('failed', (job: Job | undefined, err: Error) => {
    if (!job) return; // a stalled job that could not be loaded: nothing to attribute it to
    const final = err.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
    metrics.jobFailed(queue, job.failedReason || err.message, final);
  });
}
