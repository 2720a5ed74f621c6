/**
 * A worker process for the pipeline, latency, scaling and shared-phone figures.
 *   impl real: contactflow's worker as it ships (startContactflow, ROLE=worker) on an in-memory
 *              store passed as `repos`, `seed` contacts seeded straight into it. A drain may ask
 *              every store operation to answer `delayMs` later (lib/instrumented-repos.ts).
 *   impl noop: the reference, a BullMQ Worker on the same queue whose processor does nothing.
 * Args: WorkerArgs (JSON). Messages:
 *   {type:'drain', jobs, mix, delayMs} → {type:'round', …}: with the worker paused, enqueues `jobs`
 *       activities through the intake's producer, resumes it, and times it from the resume to the
 *       last completion (CPU from process.cpuUsage over the same window), then pauses it again.
 *   {type:'run'}: resumes the worker for good (the paced latency run).
 *   track=true: reports {type:'visible', entries:[[activityId, ms]]} every 100 ms, when each
 *       activity's record became final (its contact written just before), and samples RSS.
 *   {type:'report'} → {type:'report', rss, heap, activities, contacts}.
 */
import { constants as perf, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { Worker } from 'bullmq';
import { parseConfig } from '../src/config';
import { ACTIVITIES_QUEUE, createActivitiesProducer, createActivitiesQueue, createJobSealer, type ActivityJobData } from '../src/jobs/activities.queue';
import { createPayloadCipher, decodePayloadKey } from '../src/jobs/payload-cipher';
import { createRedisConnection } from '../src/jobs/redis-connection';
import type { ActivityRecord, Repositories } from '../src/repositories';
import { createMemoryRepositories } from '../src/repositories/memory';
import { createLogger } from '../src/shared/logger';
import { startContactflow } from '../src/start';
import { ACCOUNT, mixJob, seedContacts, type Mix } from './lib/activities';
import { bootstrapAccount } from '../src/services/accounts.service';
import { BENCH_PAYLOAD_KEY, QUIET_ACCOUNT, benchEnv, childArgs, die, now, onStopRequest, send } from './lib/common';
import { delayedRepositories, wrapRepositories } from './lib/instrumented-repos';

export interface WorkerArgs {
  impl: 'real' | 'noop';
  concurrency?: number;
  seed: number;
  redisUrl: string;
  prefix: string;
  /** Activities drained off the record before "ready" (the `mixed` mix), so rounds measure warm code. */
  warmup: number;
  track?: boolean;
}

export interface Round {
  jobs: number;
  failed: number;
  seconds: number;
  perSecond: number;
  /** This process's CPU (all threads) per job over the timed window. */
  cpuUsPerJob: number;
  rssEnd: number;
}

export interface Report {
  rss: { t: number; rss: number }[];
  /** Heap used after a full GC, when tracking started and at the report. */
  heap: { start: number; end: number };
  activities: number;
  /** Activities in the store when the paced run started. */
  activitiesAtRun: number;
  contacts: number;
  /** How late the event loop ran (GC pauses included) since the last 'loop-reset', ms. */
  loop: { p99: number; max: number };
  /** Full (mark-compact) GCs since the last 'loop-reset': [ms on the shared clock, duration ms]. */
  majorGcs: [number, number][];
}

async function main(args: WorkerArgs) {
  const raw = createMemoryRepositories();
  await bootstrapAccount(raw.accounts, { account: QUIET_ACCOUNT, defaultCountry: 'US' });
  const seedSeconds = args.seed > 0 ? await seedContacts(raw, args.seed) : 0;
  let visible: [string, number][] = [];
  const final = (r: ActivityRecord) => r.outcome !== 'pending';
  let delayMs = 0;
  let repos: Repositories = args.impl === 'real' ? delayedRepositories(raw, () => delayMs) : raw;
  if (args.track) {
    // Visible: the record became final (processed, right after its contact was written; or
    // unidentified). A first insert as `pending` is not yet visible.
    repos = wrapRepositories(repos, async (name, callArgs, call) => {
      const result = await call();
      if (name === 'activities.replaceIf' && result === true && final(callArgs[0] as ActivityRecord)) visible.push([(callArgs[0] as ActivityRecord).id, now()]);
      else if (name === 'activities.insert' && result === 'inserted' && final(callArgs[0] as ActivityRecord)) visible.push([(callArgs[0] as ActivityRecord).id, now()]);
      return result;
    });
  }

  const producerConn = createRedisConnection(args.redisUrl, 'producer', 'bench-prefill');
  await new Promise<void>((r) => (producerConn.status === 'ready' ? r() : producerConn.once('ready', () => r())));
  const queue = createActivitiesQueue(producerConn, args.prefix, { attempts: 8, backoffMs: 1000 });
  const producer = createActivitiesProducer(queue, createJobSealer(createPayloadCipher(decodePayloadKey(BENCH_PAYLOAD_KEY)!)));

  let worker: Worker;
  let stopWorker: () => Promise<void>;
  if (args.impl === 'noop') {
    const conn = createRedisConnection(args.redisUrl, 'worker', 'bench-noop-worker');
    worker = new Worker(ACTIVITIES_QUEUE, async () => {}, { connection: conn, prefix: args.prefix, concurrency: args.concurrency ?? 20, autorun: false });
    stopWorker = async () => {
      await worker.close();
      conn.disconnect();
    };
  } else {
    const extra: Record<string, string> = { ROLE: 'worker' };
    if (args.concurrency) extra.WORKER_CONCURRENCY = String(args.concurrency);
    const config = parseConfig(benchEnv(args.redisUrl, args.prefix, extra));
    const app = await startContactflow(config, createLogger(config.LOG_LEVEL, { role: 'worker' }), { repos });
    worker = app.worker!;
    await worker.pause();
    stopWorker = () => app.stop();
  }
  let done = 0;
  let failed = 0;
  let expected = Infinity;
  let finished: () => void = () => {};
  worker.on('completed', () => ++done + failed >= expected && finished());
  worker.on('failed', () => done + ++failed >= expected && finished());

  let run = 0;
  let phoneSeq = 0;
  const drain = async (jobs: number, mix: Mix, delay = 0): Promise<Round> => {
    delayMs = delay;
    const tag = `${args.prefix.replace(/\W/g, '')}r${run++}`;
    const receivedAt = new Date().toISOString();
    for (let start = 0; start < jobs; start += 500) {
      const chunk: ActivityJobData[] = [];
      for (let i = start; i < Math.min(jobs, start + 500); i++) chunk.push(mixJob(mix, tag, i, args.seed, phoneSeq++, receivedAt));
      await producer.enqueueBulk(chunk);
    }
    done = 0;
    failed = 0;
    expected = jobs;
    const all = new Promise<void>((r) => (finished = r));
    const cpu0 = process.cpuUsage();
    const t0 = now();
    await worker.resume();
    await all;
    const seconds = (now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    expected = Infinity;
    await worker.pause();
    delayMs = 0;
    return { jobs, failed, seconds, perSecond: jobs / seconds, cpuUsPerJob: (cpu.user + cpu.system) / jobs, rssEnd: process.memoryUsage().rss };
  };
  if (args.warmup > 0) await drain(args.warmup, 'mixed');

  const gc = (globalThis as { gc?: () => void }).gc;
  const rss: Report['rss'] = [];
  const heap = { start: NaN, end: NaN };
  let activitiesAtRun = 0;
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  let majorGcs: [number, number][] = [];
  const gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (((e as unknown as { detail?: { kind?: number } }).detail)?.kind === perf.NODE_PERFORMANCE_GC_MAJOR) majorGcs.push([performance.timeOrigin + e.startTime, e.duration]);
    }
  });
  let timer: NodeJS.Timeout | undefined;
  const flushVisible = () => {
    if (visible.length > 0) void send({ type: 'visible', entries: visible });
    visible = [];
  };
  process.on('message', async (m: { type?: string; jobs?: number; mix?: Mix; delayMs?: number }) => {
    if (m?.type === 'drain') {
      await send({ type: 'round', ...(await drain(m.jobs!, m.mix!, m.delayMs)) });
    } else if (m?.type === 'run') {
      visible = [];
      activitiesAtRun = await raw.activities.count(ACCOUNT);
      gc?.();
      heap.start = process.memoryUsage().heapUsed;
      rss.push({ t: now(), rss: process.memoryUsage().rss });
      let tick = 0;
      timer = setInterval(() => {
        flushVisible();
        if (++tick % 10 === 0) rss.push({ t: now(), rss: process.memoryUsage().rss });
      }, 100);
      await worker.resume();
      loopDelay.enable();
      gcObserver.observe({ entryTypes: ['gc'] });
      await send({ type: 'running' });
    } else if (m?.type === 'track') {
      // Visible events again after a report (the noisy-neighbour figure runs after it).
      clearInterval(timer);
      timer = setInterval(flushVisible, 100);
      await send({ type: 'tracking' });
    } else if (m?.type === 'loop-reset') {
      loopDelay.reset();
      majorGcs = [];
      await send({ type: 'loop-reset' });
    } else if (m?.type === 'report') {
      clearInterval(timer);
      flushVisible();
      rss.push({ t: now(), rss: process.memoryUsage().rss });
      gc?.();
      heap.end = process.memoryUsage().heapUsed;
      // The histogram holds each 10 ms timer interval as measured: what exceeds 10 ms is the delay.
      const late = (ns: number) => Math.max(0, ns / 1e6 - 10);
      const loop = { p99: late(loopDelay.percentile(99)), max: late(loopDelay.max) };
      loopDelay.disable();
      gcObserver.disconnect();
      const report: Report = { rss, heap, activities: await raw.activities.count(ACCOUNT), activitiesAtRun, contacts: await raw.contacts.count(ACCOUNT), loop, majorGcs };
      await send({ type: 'report', ...report });
    }
  });
  onStopRequest(async () => {
    await stopWorker();
    await queue.close();
    producerConn.disconnect();
  });
  await send({ type: 'ready', seedSeconds });
}

main(childArgs()).catch(die('worker'));
