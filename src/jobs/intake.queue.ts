import { randomBytes } from 'node:crypto';
import { Queue, type JobsOptions } from 'bullmq';
import { z } from 'zod';
import type { RedisConnection } from './redis-connection';
import type { ActivityJobData } from './activities.queue';

/**
 * The intake stage, between the HTTP intake and the activities queue. A request's job is stored in
 * Redis before the 202, as always, but as one item of an `intake` job that carries every activity
 * accepted in the same event-loop turn (or one batch request). A worker, the fan-out, then
 * processes each intake job's activities itself (INTAKE_PROCESSING=inline, the default) and turns
 * only what fails into activities jobs, or turns every activity into one (jobs); either way with
 * the activity id as job id (BullMQ's own dedup).
 *
 * Why: a BullMQ job costs ≈ 25 µs of Node CPU and ≈ 25 µs of redis-server CPU to add, whichever
 * way it is added (addBulk does not amortize it), and about as much again to process. Here the API
 * process pays it once per turn, and the worker once per intake job, where a burst waits in Redis
 * instead of in front of the HTTP server. docs/intake-stage.md has the rest.
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
 * Fan-out failures are Redis failures (the data was validated on the way in, and an activity that
 * fails inline is handed to the activities queue instead of failing its intake job), so retry them
 * long: 12 attempts, exponential from 1 s, span about 34 minutes. What still fails is kept 14
 * days for a retry from Bull Board. The newest 100 done jobs stay (an hour at most) so Bull Board
 * shows what the recent ones did; the activities are in the store by then. Not more: a done job
 * keeps its payloads, and one batch request is up to 500 of them (noeviction Redis).
 */
export function intakeJobOptions(): JobsOptions {
  return {
    attempts: 12,
    backoff: { type: 'exponential', delay: 1000, jitter: 0.2 },
    removeOnComplete: { age: 3600, count: 100 },
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

/**
 * The ids processed inline by the fan-out (no activities job exists for them): a sorted set, score =
 * when. It answers `duplicate` for them within the same window as a completed activities job does
 * (24 h or the newest 200,000, whichever is fewer), in ≈ 100 bytes per id instead of a whole job.
 */
export function intakeDoneKey(queue: { toKey(type: string): string }): string {
  return queue.toKey('done');
}

export const DONE_WINDOW_MS = 24 * 3600 * 1000;
export const DONE_MAX = 200_000;

/** Custom ids, so MARK can ask whether this very intake job was stored. BullMQ forbids ':'. */
export function newIntakeJobId(): string {
  return 'in_' + randomBytes(12).toString('hex');
}

/**
 * CHECK: for each id, how many of its activities job, its marker and its done entry exist (0, or
 * more while a fan-out is between two of its steps): > 0 means known. Sent on the same connection
 * right before the intake job's add, so it answers "was this id known before this add".
 * KEYS: the done set, then per id its activities job key and its marker key; ARGV: the ids.
 */
const CHECK = `
local r = {}
for i = 1, #ARGV do
  local n = redis.call('EXISTS', KEYS[2 * i], KEYS[2 * i + 1])
  if redis.call('ZSCORE', KEYS[1], ARGV[i]) then n = n + 1 end
  r[i] = n
end
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

/**
 * DONE: the fan-out finished an intake job. The ids it processed inline enter the done set, and
 * every marker of the job goes (what was handed off has its activities job by now, which answers
 * instead). One script, so no moment exists in which an id is known by neither. Then the set is
 * trimmed to its window, by age and by count. The time is Redis's own (TIME), so workers whose
 * clocks disagree cannot trim each other's entries early.
 * KEYS: the done set, then the job's markers; ARGV: window (ms), max entries, then the ids
 * processed inline.
 */
const DONE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 3, #ARGV do redis.call('ZADD', KEYS[1], now, ARGV[i]) end
for i = 2, #KEYS do redis.call('DEL', KEYS[i]) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. (now - tonumber(ARGV[1])))
local extra = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[2])
if extra > 0 then redis.call('ZREMRANGEBYRANK', KEYS[1], 0, extra - 1) end
return 1`;

export type IntakeScripts = RedisConnection & {
  contactflowIntakeCheck(numKeys: number, ...keysThenArgs: string[]): Promise<number[]>;
  contactflowIntakeMark(numKeys: number, ...keysThenArgs: (string | number)[]): Promise<number>;
  contactflowIntakeDone(numKeys: number, ...keysThenArgs: (string | number)[]): Promise<number>;
};

/** defineCommand: the scripts are sent once, then called by SHA (EVALSHA, reloaded on NOSCRIPT). */
export function withIntakeScripts(client: RedisConnection): IntakeScripts {
  if (!('contactflowIntakeCheck' in client)) client.defineCommand('contactflowIntakeCheck', { lua: CHECK });
  if (!('contactflowIntakeMark' in client)) client.defineCommand('contactflowIntakeMark', { lua: MARK });
  if (!('contactflowIntakeDone' in client)) client.defineCommand('contactflowIntakeDone', { lua: DONE });
  return client as IntakeScripts;
}
