import { randomBytes } from 'node:crypto';
import { Queue, type JobsOptions } from 'bullmq';
import { z } from 'zod';
import type { RedisConnection } from './redis-connection';
import type { ActivityJobData } from './activities.queue';

/**
 * The intake stage, between the HTTP intake and the activities queue. A request's job is stored in
 * Redis before the 202, as always, but as one item of an `intake` job that carries every activity
 * accepted in the same event-loop turn (or one batch request). A worker then fans each intake job
 * out into one activities job per activity, with the activity id as job id (BullMQ's own dedup).
 *
 * Why: a BullMQ add costs ≈ 25 µs of Node CPU and ≈ 25 µs of redis-server CPU per job whichever
 * way it is called (addBulk does not amortize it), which was most of the intake's cost. Here the
 * API process pays it once per turn, and the worker tier pays the per-activity add instead, where
 * a burst waits in Redis instead of in front of the HTTP server. docs/intake-stage.md has the rest.
 */
export const INTAKE_QUEUE = 'intake';
export const FAN_OUT = 'fan-out';

/** The activity ids the fan-out needs; the activities worker parses every job in full. */
export const intakeJobSchema = z.object({
  jobs: z.array(z.looseObject({ activityId: z.string().regex(/^act_[0-9a-f]{32}$/) })).min(1),
});

export interface IntakeJobData {
  jobs: ActivityJobData[];
}

/**
 * How long a "this id is in the intake stage" marker lives. The fan-out deletes it once the
 * activities job exists (which then answers `duplicate` itself); the TTL only bounds a marker the
 * fan-out could not delete (see MARK below), and the answer after it expires is `queued`, which
 * is still processed once.
 */
export const MARKER_TTL_SECONDS = 3600;

/**
 * Fan-out failures are Redis failures (the data was validated on the way in), so retry them long:
 * 12 attempts, exponential from 1 s, span about 34 minutes. What still fails is kept 14 days, like
 * failed activities, for a retry from Bull Board; done jobs are removed at once (the activities
 * jobs carry the data from then on).
 */
export function intakeJobOptions(): JobsOptions {
  return {
    attempts: 12,
    backoff: { type: 'exponential', delay: 1000, jitter: 0.2 },
    removeOnComplete: true,
    removeOnFail: { age: 14 * 24 * 3600, count: 100_000 },
  };
}

export type IntakeQueue = Queue<IntakeJobData, unknown, typeof FAN_OUT>;

export function createIntakeQueue(connection: RedisConnection, prefix: string): IntakeQueue {
  return new Queue<IntakeJobData, unknown, typeof FAN_OUT>(INTAKE_QUEUE, { connection, prefix, defaultJobOptions: intakeJobOptions() });
}

/** The key that says "this activity id waits in the intake stage". Same hash tag as the queues. */
export function intakeMarkerKey(queue: { toKey(type: string): string }, activityId: string): string {
  return queue.toKey(`seen:${activityId}`);
}

/** Custom ids, so MARK can ask whether this very intake job was stored. BullMQ forbids ':'. */
export function newIntakeJobId(): string {
  return 'in_' + randomBytes(12).toString('hex');
}

/**
 * CHECK: for each (activities job key, marker key) pair, how many of the two exist (0, 1, or 2 while
 * a fan-out is between its add and its marker delete): > 0 means known. Sent on the same
 * connection right before the intake job's add, so it answers "was this id known before this add".
 */
const CHECK = `
local r = {}
for i = 1, #KEYS, 2 do r[#r + 1] = redis.call('EXISTS', KEYS[i], KEYS[i + 1]) end
return r`;

/**
 * MARK: set the markers only while the intake job exists. If the add failed there is no job and
 * no marker (a marker without a job would answer a client's retry `duplicate` for something never
 * stored). If the fan-out already finished, the job is gone and the activities jobs answer
 * instead. Only a fan-out still running at this moment can leave markers behind: the TTL ends them.
 * KEYS: the intake job, then one marker per activity; ARGV: the TTL, then each marker's account
 * (GET /v1/activities/:id answers a marker only to the account it belongs to).
 */
const MARK = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
for i = 2, #KEYS do redis.call('SET', KEYS[i], ARGV[i], 'EX', ARGV[1]) end
return 1`;

export type IntakeScripts = RedisConnection & {
  contactflowIntakeCheck(numKeys: number, ...keys: string[]): Promise<number[]>;
  contactflowIntakeMark(numKeys: number, ...keysThenArgs: (string | number)[]): Promise<number>;
};

/** defineCommand: the scripts are sent once, then called by SHA (EVALSHA, reloaded on NOSCRIPT). */
export function withIntakeScripts(client: RedisConnection): IntakeScripts {
  if (!('contactflowIntakeCheck' in client)) client.defineCommand('contactflowIntakeCheck', { lua: CHECK });
  if (!('contactflowIntakeMark' in client)) client.defineCommand('contactflowIntakeMark', { lua: MARK });
  return client as IntakeScripts;
}
