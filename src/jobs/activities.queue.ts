import { hash } from 'node:crypto';
import { Queue, type JobsOptions } from 'bullmq';
import { z } from 'zod';
import type { DurabilityWait } from './accept-durability';
import { acceptCommand, accountDepthKeys } from './account-depth';
import type { PayloadCipher } from './payload-cipher';
import type { RedisConnection } from './redis-connection';

/**
 * The activities queue, in one place: its name, the payload schema, the job options and a typed
 * producer. Workers import this same module, so producer and consumer cannot drift apart.
 */
export const ACTIVITIES_QUEUE = 'activities';
export const PROCESS_ACTIVITY = 'process-activity';

const jobBase = {
  account: z.string().min(1),
  activityId: z.string().min(1),
  /** ISO time the intake accepted it. */
  receivedAt: z.string(),
  /** Set by an operator replay of an unidentified activity: re-run it over its unidentified record. */
  reprocess: z.boolean().optional(),
};

const sealed = { sealed: z.string().min(1) };

/**
 * What a job holds in Redis: who and what in clear (account, kind, ids, times: enough for Bull
 * Board, replay and the failed list), and the body as the client sent it sealed with PAYLOAD_KEY
 * (payload-cipher.ts), because that is where the emails, phones and field values are.
 *
 * `activity`: a canonical envelope (POST /v1/activities, /batch). `webhook`: a provider's own
 * payload; the worker maps it with the provider's mapper, so a mapping fix plus a replay repairs it.
 * `page-view`: POST /v1/page-views; `activityId` is the page view's id (same `act_` form, own
 * idempotency namespace), and the worker records it with record-page-view instead.
 */
export const storedActivityJobSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('activity'), ...jobBase, ...sealed }),
  z.object({ kind: z.literal('webhook'), provider: z.string().min(1).max(64), ...jobBase, ...sealed }),
  z.object({ kind: z.literal('page-view'), ...jobBase, ...sealed }),
]);
export type StoredActivityJob = z.infer<typeof storedActivityJobSchema>;

/** A job as the intake built it and the worker reads it: the stored job with its payload opened. */
export type ActivityJobData = DistributiveOmit<StoredActivityJob, 'sealed'> & {
  /** The body exactly as the client sent it (parsed JSON), never a rewritten version. */
  payload: unknown;
};
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export interface JobSealer {
  seal(data: ActivityJobData): StoredActivityJob;
  /** Throws a ZodError for a job of another shape and SealedPayloadError for a payload that does not open. */
  open(stored: unknown): ActivityJobData;
}

export function createJobSealer(cipher: PayloadCipher): JobSealer {
  return {
    seal({ payload, ...job }) {
      return { ...job, sealed: cipher.seal(JSON.stringify(payload ?? null), boundTo(job)) };
    },
    open(stored) {
      const { sealed, ...job } = storedActivityJobSchema.parse(stored);
      return { ...job, payload: JSON.parse(cipher.open(sealed, boundTo(job))) as unknown };
    },
  };
}

/** The job opened, or null for one that does not parse or open (readers that can only skip it). */
export function openedOrNull(sealer: JobSealer, stored: unknown): ActivityJobData | null {
  try {
    return sealer.open(stored);
  } catch {
    return null;
  }
}

// Whatever decides how the payload is read; `reprocess` is left out, since a replay sets it on the stored job.
function boundTo(job: { account: string; activityId: string; kind: string; provider?: string }): string {
  return [job.account, job.activityId, job.kind, job.provider ?? ''].join('\0');
}

export interface ActivityJobOptions {
  attempts: number;
  backoffMs?: number;
}

/**
 * Retries use exponential backoff (1s, 2s, 4s … up to attempts) for contention; permanent failures
 * fail at once through UnrecoverableError. Retention is bounded by age AND count, because Redis
 * runs with noeviction and full payloads live in the jobs:
 *  - completed: 24 h or the newest 200,000, whichever is fewer. That is the window in which a
 *    redelivery is answered `duplicate`; after it a redelivery is answered `queued`, and the
 *    worker finds the activity recorded and changes nothing.
 *  - failed: 14 days or the newest 100,000, so a mapping bug at full intake rate cannot fill Redis
 *    while still leaving ample room for a replay after the fix (alert on the failed gauge).
 */
export function activityJobOptions({ attempts, backoffMs = 1000 }: ActivityJobOptions): JobsOptions {
  return {
    attempts,
    backoff: { type: 'exponential', delay: backoffMs, jitter: 0.2 },
    removeOnComplete: { age: 24 * 3600, count: 200_000 },
    removeOnFail: { age: 14 * 24 * 3600, count: 100_000 },
  };
}

/**
 * Activity ids are derived from (account, idempotency key): the same key always yields the same id,
 * and two accounts never share one. Hex keeps it free of ':' (BullMQ forbids it in custom ids).
 */
export function activityIdFor(account: string, idempotencyKey: string): string {
  // One-shot crypto.hash: the same digest as createHash().update()… on the joined UTF-8 string,
  // without a Hash object per request.
  return 'act_' + hash('sha256', `${account}\0${idempotencyKey}`, 'hex').slice(0, 32);
}

export type ActivitiesQueue = Queue<StoredActivityJob, unknown, typeof PROCESS_ACTIVITY>;

export function createActivitiesQueue(connection: RedisConnection, prefix: string, opts: ActivityJobOptions): ActivitiesQueue {
  return new Queue<StoredActivityJob, unknown, typeof PROCESS_ACTIVITY>(ACTIVITIES_QUEUE, {
    connection,
    prefix,
    defaultJobOptions: activityJobOptions(opts),
  });
}

export interface EnqueueResult {
  id: string;
  status: 'queued' | 'duplicate';
}

/** What every intake route enqueues through: one activities job per activity, stored before it resolves. */
export interface ActivitiesProducer {
  enqueue(data: ActivityJobData): Promise<EnqueueResult>;
  /**
   * Many jobs in one round trip. Results are in input order; a repeated id within the call is
   * `duplicate` after its first. Throws when Redis did not take them: none is known to be stored.
   */
  enqueueBulk(data: ActivityJobData[]): Promise<EnqueueResult[]>;
}

/**
 * BullMQ answers an add with a known job id by returning the existing job without saying so, so an
 * existence check of the job key, sent on the same connection right before the add, is what tells
 * the client "duplicate". Redis runs one connection's commands in the order sent, so both travel in
 * one round trip and the check still answers "was it there before this add". The same script counts
 * a new job in its account's depth (account-depth.ts). Two identical requests racing past it both
 * hear "queued", and BullMQ still stores one job: correctness never depends on the answer.
 */
export interface ProducerOptions {
  /** Waited for after each store, before anyone is answered (ACCEPT_DURABILITY). */
  durable?: DurabilityWait | null;
  /** The account's unfinished jobs as last read (backpressure's reading): orders its new jobs behind them. */
  backlogOf?(account: string): number;
}

// BullMQ's largest priority.
const MAX_PRIORITY = 2_097_151;

export function createActivitiesProducer(queue: ActivitiesQueue, sealer: JobSealer, { durable, backlogOf }: ProducerOptions = {}): ActivitiesProducer {
  const client = queue.opts.connection as RedisConnection;
  const keys = accountDepthKeys((type) => queue.toKey(type));
  const accept = acceptCommand(client);

  async function store(jobs: ActivityJobData[]): Promise<EnqueueResult[]> {
    const unique = new Map<string, StoredActivityJob>();
    for (const job of jobs) if (!unique.has(job.activityId)) unique.set(job.activityId, sealer.seal(job));
    const ids = [...unique.keys()];
    const existing = client.pipeline();
    const now = String(Date.now());
    for (const [id, job] of unique) accept(existing, [keys.job(id), keys.depth(job.account), keys.accounts], id, now, job.account);
    const opts = jobOptions([...unique.values()]);
    const [replies] = await Promise.all([
      existing.exec(),
      ids.length === 1
        ? queue.add(PROCESS_ACTIVITY, unique.get(ids[0]!)!, opts[0]!)
        : queue.addBulk([...unique.values()].map((data, i) => ({ name: PROCESS_ACTIVITY, data, opts: opts[i]! }))),
    ]);
    // On the same connection as the add, so it waits for exactly these writes (ACCEPT_DURABILITY).
    if (durable) await durable();
    const existed = new Map<string, boolean>();
    ids.forEach((id, i) => {
      const [err, n] = replies?.[i] ?? [new Error('no reply to the existence check'), 0];
      if (err) throw err;
      existed.set(id, n === 1);
    });
    const answered = new Set<string>();
    return jobs.map((job) => {
      const duplicate = answered.has(job.activityId) || existed.get(job.activityId) === true;
      answered.add(job.activityId);
      return { id: job.activityId, status: duplicate ? 'duplicate' : 'queued' };
    });
  }

  /**
   * Fair order between accounts: a job's priority (lowest runs first) is at least its place in its
   * account's backlog, so workers serve the accounts with short backlogs first and a quiet account's
   * activity does not wait behind another account's flood. Within an account priorities only grow
   * while it has a backlog (in this process), so its jobs keep their order and an old job is never
   * overtaken for ever by newer ones; an account whose backlog emptied starts again from its place.
   */
  const lastPriority = new Map<string, number>();
  function jobOptions(jobs: StoredActivityJob[]): { jobId: string; priority?: number }[] {
    if (!backlogOf) return jobs.map((job) => ({ jobId: job.activityId }));
    return jobs.map((job) => {
      const backlog = backlogOf(job.account);
      const previous = backlog === 0 ? 0 : (lastPriority.get(job.account) ?? 0);
      const priority = Math.min(MAX_PRIORITY, Math.max(backlog + 1, previous + 1));
      if (lastPriority.size >= 10_000 && !lastPriority.has(job.account)) lastPriority.clear();
      lastPriority.set(job.account, priority);
      return { jobId: job.activityId, priority };
    });
  }

  // Single activities accepted in the same event-loop turn share one round trip (one EXISTS
  // pipeline and one addBulk): still one job per activity, and each caller's promise settles only
  // once Redis has its job.
  let pending: { job: ActivityJobData; settle: (r: Promise<EnqueueResult>) => void }[] = [];

  function flush() {
    const batch = pending;
    pending = [];
    const stored = store(batch.map((p) => p.job));
    batch.forEach((p, i) => {
      // Should Redis refuse the shared add for one item's sake, every item is tried on its own,
      // so that item fails alone and its neighbours are not answered 503 because of it.
      p.settle(batch.length === 1 ? stored.then((r) => r[0]!) : stored.then((r) => r[i]!, async () => (await store([p.job]))[0]!));
    });
  }

  return {
    enqueue: (job) =>
      new Promise<EnqueueResult>((resolve) => {
        if (pending.length === 0) setImmediate(flush);
        pending.push({ job, settle: resolve });
      }),
    enqueueBulk: async (jobs) => (jobs.length === 0 ? [] : store(jobs)),
  };
}
