import { type ActivitiesProducer, type ActivitiesQueue, type ActivityJobData, type EnqueueResult } from './activities.queue';
import { FAN_OUT, MARKER_TTL_SECONDS, intakeDoneKey, intakeMarkerKey, newIntakeJobId, withIntakeScripts, type IntakeQueue } from './intake.queue';
import type { RedisConnection } from './redis-connection';

export interface IntakeProducerOptions {
  intakeQueue: IntakeQueue;
  /** Only for its key names: the duplicate check looks for the activities job itself. */
  activitiesQueue: ActivitiesQueue;
  /** The connection the check and the markers go through; the intake queue's own for one round trip. */
  client: RedisConnection;
  /** Most activities coalesced into one intake job (single intake); a batch request is one job. */
  maxItemsPerJob?: number;
  /** A marker write failed after the job was stored: the answer stands, only `duplicate` may be missed. */
  onMarkError?(err: unknown): void;
}

export interface IntakeProducer extends ActivitiesProducer {
  /** Recent mean of activities per intake job: backpressure counts a waiting intake job as this many. */
  itemsPerJob(): number;
}

interface Pending {
  job: ActivityJobData;
  resolve(r: EnqueueResult): void;
  reject(err: unknown): void;
}

/**
 * The producer every intake route uses. Single activities accepted in the same event-loop turn
 * share one intake job (one BullMQ add, one duplicate check and one marker write for all of
 * them); each caller's promise settles when that job is stored, so a 202 still means "in Redis".
 * A batch request is one intake job on its own.
 */
export function createIntakeProducer(opts: IntakeProducerOptions): IntakeProducer {
  const { intakeQueue, activitiesQueue } = opts;
  const client = withIntakeScripts(opts.client);
  const maxItems = opts.maxItemsPerJob ?? 64;
  // The check and the add go out together (one round trip) only on one connection: Redis then runs
  // them in the order sent, so the check still answers "was this id known before this add". On
  // separate connections the add waits for the check's reply.
  const oneRoundTrip = intakeQueue.opts.connection === opts.client;
  let pending: Pending[] = [];
  let scheduled = false;
  let meanItems = 1;
  const doneKey = intakeDoneKey(intakeQueue);

  async function store(jobs: ActivityJobData[]): Promise<EnqueueResult[]> {
    // A repeated id within one intake job goes in once and answers `duplicate` after its first.
    const unique: ActivityJobData[] = [];
    const repeated: boolean[] = [];
    const seen = new Set<string>();
    for (const job of jobs) {
      repeated.push(seen.has(job.activityId));
      if (!seen.has(job.activityId)) unique.push(job);
      seen.add(job.activityId);
    }
    const checkKeys: string[] = [doneKey];
    for (const job of unique) checkKeys.push(activitiesQueue.toKey(job.activityId), intakeMarkerKey(intakeQueue, job.activityId));

    const jobId = newIntakeJobId();
    const check = () => client.contactflowIntakeCheck(checkKeys.length, ...checkKeys, ...unique.map((j) => j.activityId));
    const add = () => intakeQueue.add(FAN_OUT, { jobs: unique }, { jobId });
    // Known ids still travel in the intake job: the fan-out's add is a no-op for an existing
    // activities job, so leaving them out would only save bytes at the price of a round trip.
    const known = oneRoundTrip ? (await Promise.all([check(), add()]))[0] : await check().then(async (r) => (await add(), r));
    meanItems = meanItems * 0.9 + unique.length * 0.1;

    // CHECK counts what exists of job, marker and done entry: 2 while a fan-out is between steps.
    const fresh = unique.filter((_, i) => !(known[i]! > 0));
    if (fresh.length > 0) {
      const keys = [intakeQueue.toKey(jobId), ...fresh.map((j) => intakeMarkerKey(intakeQueue, j.activityId))];
      const accounts = fresh.map((j) => j.account);
      await client.contactflowIntakeMark(keys.length, ...keys, MARKER_TTL_SECONDS, ...accounts).catch((err: unknown) => opts.onMarkError?.(err));
    }

    const knownById = new Map(unique.map((j, i) => [j.activityId, known[i]! > 0]));
    return jobs.map((job, i) => ({ id: job.activityId, status: repeated[i] || knownById.get(job.activityId) ? 'duplicate' : 'queued' }));
  }

  function flush() {
    scheduled = false;
    const batch = pending;
    pending = [];
    if (batch.length === 0) return;
    store(batch.map((p) => p.job)).then(
      (results) => batch.forEach((p, i) => p.resolve(results[i]!)),
      (err: unknown) => batch.forEach((p) => p.reject(err)),
    );
  }

  return {
    enqueue(job) {
      return new Promise<EnqueueResult>((resolve, reject) => {
        pending.push({ job, resolve, reject });
        if (pending.length >= maxItems) flush();
        else if (!scheduled) {
          scheduled = true;
          // After the I/O callbacks of this turn: every request parsed in it joins the same job.
          setImmediate(flush);
        }
      });
    },

    async enqueueBulk(jobs) {
      return jobs.length === 0 ? [] : store(jobs);
    },

    itemsPerJob: () => meanItems,
  };
}
