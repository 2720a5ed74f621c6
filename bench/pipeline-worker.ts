/**
 * The worker side of the pipeline, latency and scaling benchmarks, one process per measurement.
 * Args (JSON in argv[2]):
 *   { mode: 'drain', impl: 'real' | 'noop', concurrency, jobs, seed, redisUrl, prefix, store }
 *     seeds `seed` contacts straight into the store (repository, not the queue), pre-fills the
 *     queue with `jobs` activities through the real producer, then starts the worker and times the
 *     drain (first → last completion). impl=noop is the reference: a BullMQ Worker whose processor
 *     does nothing, same queue, same job options, same concurrency.
 *   { mode: 'rounds', impl, concurrency, seed, redisUrl, prefix, via, intakeItems, warmup }
 *     the same drain, repeated on command in one process (RoundsArgs below).
 *   { mode: 'soak', concurrency, seed, redisUrl, prefix, store }
 *     starts the real worker, reports "ready", then records when each activity became visible in
 *     the store and samples RSS / heap once a second until asked to stop (lib/common onStopRequest).
 * store: 'memory' (default) or 'mongodb' (MONGODB_URI; the database is dropped before the run).
 */
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'bullmq';
import { parseConfig } from '../src/config';
import { ACTIVITIES_QUEUE, createActivitiesQueue, PROCESS_ACTIVITY, type ActivitiesQueue, type ActivityJobData } from '../src/jobs/activities.queue';
import { createIntakeQueue, FAN_OUT, newIntakeJobId, type IntakeQueue } from '../src/jobs/intake.queue';
import { createRedisConnection } from '../src/jobs/redis-connection';
import type { Repositories } from '../src/repositories';
import { createMemoryRepositories } from '../src/repositories/memory';
import { createMongoRepositories } from '../src/repositories/mongo';
import mongoose from 'mongoose';
import { createLogger } from '../src/shared/logger';
import { startContactflow } from '../src/start';
import { benchJob, seedContacts } from './lib/activities';
import { benchEnv, onStopRequest, profileOnRequest, ready, send, startCpuProfile, startPromotionProfile } from './lib/common';

export interface DrainArgs {
  mode: 'drain';
  impl: 'real' | 'noop';
  concurrency: number;
  jobs: number;
  seed: number;
  redisUrl: string;
  prefix: string;
  store?: 'memory' | 'mongodb';
  /**
   * queue (default): pre-fill the activities queue, the pipeline proper. intake: pre-fill the
   * intake stage with intake jobs of `intakeItems` activities (what the HTTP intake writes), so the
   * drain includes the fan-out (real worker only).
   */
  via?: 'queue' | 'intake';
  intakeItems?: number;
  /** The worker's INTAKE_PROCESSING (default: the app's default, inline). */
  intakeProcessing?: 'inline' | 'jobs';
  /**
   * Jobs processed before the clock starts (pre-filled ahead of the measured ones, same mix), so
   * the figure is the warm process's: V8 has compiled the hot paths by then, as in a worker that
   * has been running for a while. Default 0.
   */
  warmup?: number;
}
export interface SoakArgs {
  mode: 'soak';
  concurrency: number;
  /** Activities processed through the intake stage before "ready", off the record. */
  warmup?: number;
  seed: number;
  redisUrl: string;
  prefix: string;
  store?: 'memory' | 'mongodb';
  intakeProcessing?: 'inline' | 'jobs';
}
/**
 * One long-lived worker process that drains on command, so a figure and its reference can take
 * turns within one window (noop, real, noop, real, …): this machine drifts by tens of percent over
 * minutes, and fresh processes minutes apart measured the drift as much as the code. It seeds,
 * processes `warmup` jobs off the record, reports "ready", then for each {type:'drain', jobs}
 * message pauses its workers, pre-fills `jobs` activities, resumes them and reports a 'round'
 * result timed from the resume to the last completion. The store keeps what every round wrote.
 */
export interface RoundsArgs {
  mode: 'rounds';
  impl: 'real' | 'noop';
  concurrency: number;
  seed: number;
  redisUrl: string;
  prefix: string;
  via?: 'queue' | 'intake';
  intakeItems?: number;
  warmup: number;
}
export interface RoundResult extends Omit<DrainResult, 'type' | 'seedSeconds'> {
  type: 'round';
}

export interface DrainResult {
  type: 'result';
  jobs: number;
  completed: number;
  failed: number;
  seconds: number;
  perSecond: number;
  /** The worker process's CPU µs per job over the drain window (all threads). */
  cpuUsPerJob: number;
  /** The part of it spent in the kernel (system time: page faults, socket writes). */
  sysUsPerJob: number;
  /** Minor page faults per job over the same window (memory the process touches for the first time, or again after V8 released it). */
  pageFaultsPerJob: number;
  seedSeconds: number;
  rss: { start: number; end: number; max: number };
  resolutions: Record<string, number>;
}

const now = () => performance.timeOrigin + performance.now();

async function openStore(kind: 'memory' | 'mongodb' | undefined): Promise<Repositories> {
  if (kind !== 'mongodb') return createMemoryRepositories();
  const uri = process.env.MONGODB_URI;
  if (!uri) throw new Error('store=mongodb needs MONGODB_URI');
  // A database of its own per run, dropped when the run closes the store.
  const dbName = `contactflow_bench_${process.pid}_${Date.now().toString(36)}`;
  const repos = await createMongoRepositories(uri, { dbName });
  const close = repos.close;
  repos.close = async () => {
    const conn = await mongoose.createConnection(uri, { dbName }).asPromise();
    await conn.dropDatabase().finally(() => conn.close());
    await close();
  };
  return repos;
}

/** Seeds contacts the way the worker would have created them, straight through the repository. */
/** The queues a bench process pre-fills, on their own connection. */
async function prefillQueues(redisUrl: string, prefix: string) {
  const conn = await ready(createRedisConnection(redisUrl, 'general', 'bench-prefill'));
  return { conn, queue: createActivitiesQueue(conn, prefix, { attempts: 3, backoffMs: 1000 }), intakeQueue: createIntakeQueue(conn, prefix) };
}

/**
 * `count` activities of the bench mix (benchJob), with the intake's job data, ids and options: as
 * activities jobs (via=queue, default), or as the intake jobs of `intakeItems` that the HTTP intake
 * writes (via=intake), so their processing includes the fan-out.
 */
async function prefill(
  { queue, intakeQueue }: { queue: ActivitiesQueue; intakeQueue: IntakeQueue },
  o: { run: string; seed: number; count: number; via?: 'queue' | 'intake'; intakeItems?: number },
): Promise<void> {
  const receivedAt = new Date().toISOString();
  const perIntakeJob = o.intakeItems ?? 10;
  for (let start = 0; start < o.count; start += 500) {
    const jobs: ActivityJobData[] = [];
    for (let i = start; i < Math.min(o.count, start + 500); i++) jobs.push(benchJob(o.run, i, o.seed, receivedAt));
    if (o.via === 'intake') {
      const intakeJobs = [];
      for (let k = 0; k < jobs.length; k += perIntakeJob) {
        intakeJobs.push({ name: FAN_OUT as typeof FAN_OUT, data: { jobs: jobs.slice(k, k + perIntakeJob) }, opts: { jobId: newIntakeJobId() } });
      }
      await intakeQueue.addBulk(intakeJobs);
    } else {
      await queue.addBulk(jobs.map((data) => ({ name: PROCESS_ACTIVITY, data, opts: { jobId: data.activityId } })));
    }
  }
}

async function drain(args: DrainArgs) {
  const repos = await openStore(args.store);
  const seedSeconds = args.seed > 0 ? await seedContacts(repos, args.seed) : 0;

  const warmup = args.warmup ?? 0;
  const total = warmup + args.jobs;
  const { conn, queue, intakeQueue } = await prefillQueues(args.redisUrl, args.prefix);
  await prefill({ queue, intakeQueue }, { run: args.prefix.replace(/\W/g, ''), seed: args.seed, count: total, via: args.via, intakeItems: args.intakeItems });

  // Start the clock on a clean heap: the garbage left by seeding (1M contacts built through the
  // domain code) is the seeding's cost, not the pipeline's. Run with --expose-gc (bench/run.ts).
  (globalThis as { gc?: () => void }).gc?.();
  let rss = { start: process.memoryUsage().rss, end: 0, max: 0 };
  const sampler = setInterval(() => (rss.max = Math.max(rss.max, process.memoryUsage().rss)), 250);
  let completed = 0;
  let failed = 0;
  let first = 0;
  let last = 0;
  const resolutions: Record<string, number> = {};
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  // The worker process's CPU (every thread, GC helpers included) over the same window as the clock:
  // the figure least moved by what else runs on the two cores.
  let cpuFirst = process.cpuUsage();
  let cpuLast = cpuFirst;
  let faultsFirst = 0;
  let faultsLast = 0;
  // BENCH_PROFILE_FILE: a CPU profile of the measured window alone (no start-up, seeding, pre-fill
  // or warm-up). BENCH_PROMOTION_PROFILE=<file>: where it allocates what outlives a young GC, per job.
  const profileFile = process.env.BENCH_PROFILE_FILE;
  const promotionFile = process.env.BENCH_PROMOTION_PROFILE;
  let profiles: Promise<[((file: string) => Promise<void>) | undefined, ((jobs: number) => Promise<string>) | undefined]> | undefined;
  const startWindow = (t: number) => {
    first = t;
    cpuFirst = process.cpuUsage();
    faultsFirst = process.resourceUsage().minorPageFault;
    profiles = Promise.all([profileFile ? startCpuProfile() : undefined, promotionFile ? startPromotionProfile() : undefined]);
  };
  // The window opens at the last warm-up completion (or the first completion without warm-up) and
  // closes at the last one; it holds `measured` completions.
  const measured = warmup > 0 ? args.jobs : args.jobs - 1;
  const onDone = (ok: boolean) => {
    const t = now();
    const n = completed + failed + 1;
    if (n === Math.max(1, warmup)) {
      // The clock starts on a collected heap, as without warm-up: the warm-up's promotions must not
      // put a major GC into one size's window and not another's (1M contacts: ≈ 0.5 GB to mark).
      if (warmup > 0) (globalThis as { gc?: () => void }).gc?.();
      startWindow(warmup > 0 ? now() : t);
    }
    last = t;
    if (n === total) {
      cpuLast = process.cpuUsage();
      faultsLast = process.resourceUsage().minorPageFault;
    }
    if (ok) completed++;
    else failed++;
    if (n === total) done();
  };
  const { stop } = await startBenchWorker(args, repos, onDone, (r) => (resolutions[r] = (resolutions[r] ?? 0) + 1));

  // With BENCH_TRACE_GC, the --trace-gc lines (ms since process start) can be matched to the window.
  const traceWindow = (what: string) => process.execArgv.some((a) => a.startsWith('--trace-gc')) && console.log(`[drain ${what} at ${Math.round(performance.now())} ms]`);
  traceWindow('start');
  await finished;
  traceWindow('end');
  const [stopProfile, stopPromotion] = (await profiles) ?? [];
  await stopProfile?.(profileFile!);
  if (stopPromotion) writeFileSync(promotionFile!, (await stopPromotion(measured)) + '\n');
  clearInterval(sampler);
  rss.end = process.memoryUsage().rss;
  rss.max = Math.max(rss.max, rss.end);
  await stop();
  await queue.close();
  await intakeQueue.close();
  conn.disconnect();
  if (args.store === 'mongodb') await repos.close();
  const seconds = (last - first) / 1000;
  const result: DrainResult = {
    type: 'result',
    jobs: args.jobs,
    completed,
    failed,
    seconds,
    perSecond: measured / seconds,
    cpuUsPerJob: (cpuLast.user + cpuLast.system - cpuFirst.user - cpuFirst.system) / measured,
    sysUsPerJob: (cpuLast.system - cpuFirst.system) / measured,
    pageFaultsPerJob: (faultsLast - faultsFirst) / measured,
    seedSeconds,
    rss,
    resolutions,
  };
  await send(result);
}

async function soak(args: SoakArgs) {
  // BENCH_SOAK_PROFILE: the conductor profiles the paced window alone (bench/run.ts).
  profileOnRequest();
  const repos = await openStore(args.store);
  if (args.seed > 0) await seedContacts(repos, args.seed);
  // "Visible": the activity's record is final (processed, right after its contact was written; or
  // unidentified). Exactly-once inserts a pending record first, so the first insert is too early.
  // Sent to the conductor once a second and forgotten here: the instrument must not grow the heap
  // it measures (a map of every id would add its own major-GC work to the latency tail).
  let visible: [string, number][] = [];
  let visibleCount = 0;
  // Warm-up off the record (args.warmup activities through the intake stage before "ready"): the
  // drain that set the rate was measured warm, so the paced run starts warm too, not with a first
  // second of latencies of code V8 has not compiled yet.
  let warming = args.warmup ?? 0;
  let warmedUp!: () => void;
  const warm = new Promise<void>((r) => (warmedUp = r));
  const seen = (id: string) => {
    if (warming > 0) {
      if (--warming === 0) warmedUp();
      return;
    }
    visible.push([id, now()]);
    visibleCount++;
  };
  const insert = repos.activities.insert.bind(repos.activities);
  repos.activities.insert = async (record) => {
    const r = await insert(record);
    if (r === 'inserted' && record.outcome === 'unidentified') seen(record.id);
    return r;
  };
  const replaceIf = repos.activities.replaceIf.bind(repos.activities);
  repos.activities.replaceIf = async (record, expected) => {
    const ok = await replaceIf(record, expected);
    if (ok && expected.outcome === 'pending' && record.outcome !== 'pending') seen(record.id);
    return ok;
  };
  // Where the time goes: when the fan-out created the activities job and when a worker took it.
  let stages: [string, number, number][] = [];
  const flushVisible = () => {
    if (visible.length > 0) send({ type: 'visible', entries: visible });
    if (stages.length > 0) send({ type: 'stages', entries: stages });
    visible = [];
    stages = [];
  };
  const gc = (globalThis as { gc?: () => void }).gc;
  const samples: { t: number; rss: number; heapUsed: number }[] = [];
  // How long the worker's event loop was blocked (GC pauses included): tells a stalled worker from
  // a queue that waits elsewhere.
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  const sample = () => {
    const m = process.memoryUsage();
    samples.push({ t: now(), rss: m.rss, heapUsed: m.heapUsed });
  };
  const config = parseConfig(
    benchEnv(args.redisUrl, args.prefix, { ROLE: 'worker', WORKER_CONCURRENCY: String(args.concurrency), LOG_LEVEL: 'warn', ...intakeProcessingEnv(args.intakeProcessing) }),
  );
  const app = await startContactflow(config, createLogger(config.LOG_LEVEL), { repos });
  // The job that processed each activity: created when, taken by a worker when. Inline that is the
  // intake job (all its activities share its times); otherwise the activity's own job.
  if (config.INTAKE_PROCESSING === 'inline') {
    app.fanOut!.on('completed', (job) => {
      if (warming === 0) for (const a of job.data.jobs) stages.push([a.activityId, job.timestamp, job.processedOn ?? NaN]);
    });
  } else {
    app.worker!.on('completed', (job) => {
      if (warming === 0) stages.push([job.id!, job.timestamp, job.processedOn ?? NaN]);
    });
  }
  if (warming > 0) {
    const { conn, queue, intakeQueue } = await prefillQueues(args.redisUrl, args.prefix);
    await prefill({ queue, intakeQueue }, { run: `warm${args.prefix.replace(/\W/g, '')}`, seed: args.seed, count: warming, via: 'intake' });
    await warm;
    await Promise.all([queue.close(), intakeQueue.close()]);
    conn.disconnect();
    stages = [];
    loopDelay.reset();
  }
  gc?.();
  const heapStart = process.memoryUsage().heapUsed;
  sample();
  const sampler = setInterval(() => {
    sample();
    flushVisible();
  }, 1000);
  // --trace-gc times are ms since this process started: the epoch they count from.
  if (process.execArgv.some((a) => a.startsWith('--trace-gc'))) console.log(`[soak time origin ${performance.timeOrigin} ms, ready at ${Math.round(performance.now())} ms]`);
  send({ type: 'ready' });
  // The conductor reads the delay of each paced window alone (bench/run.ts, latency rounds).
  const loopFigures = () => {
    // The histogram holds each 5 ms timer interval as measured; what exceeds 5 ms is the delay.
    const late = (ns: number) => Math.max(0, ns / 1e6 - 5);
    return { p50: late(loopDelay.percentile(50)), p99: late(loopDelay.percentile(99)), max: late(loopDelay.max) };
  };
  process.on('message', (m: { type?: string }) => {
    if (m?.type === 'loop-reset') {
      loopDelay.reset();
      void send({ type: 'loop-reset' });
    } else if (m?.type === 'loop-read') {
      void send({ type: 'loop-read', loop: loopFigures() });
    }
  });
  process.on('message', async (m: { type?: string }) => {
    if (m?.type !== 'report') return;
    clearInterval(sampler);
    sample();
    gc?.();
    const heapEnd = process.memoryUsage().heapUsed;
    flushVisible();
    send({ type: 'report', samples, heapStart, heapEnd, activities: visibleCount });
  });
  onStopRequest(async () => {
    await app.stop();
    if (args.store === 'mongodb') await repos.close();
  });
}

async function rounds(args: RoundsArgs) {
  const repos = await openStore('memory');
  const seedSeconds = args.seed > 0 ? await seedContacts(repos, args.seed) : 0;
  const { conn, queue, intakeQueue } = await prefillQueues(args.redisUrl, args.prefix);
  let completed = 0;
  let failed = 0;
  let expected = 0;
  let roundDone: () => void = () => {};
  let resolutions: Record<string, number> = {};
  const onDone = (ok: boolean) => {
    if (ok) completed++;
    else failed++;
    if (completed + failed === expected) roundDone();
  };
  const { workers, stop } = await startBenchWorker(args, repos, onDone, (r) => (resolutions[r] = (resolutions[r] ?? 0) + 1), { paused: true });
  let round = 0;
  const drainRound = async (jobs: number): Promise<RoundResult> => {
    await prefill({ queue, intakeQueue }, { run: `${args.prefix.replace(/\W/g, '')}r${round++}`, seed: args.seed, count: jobs, via: args.via, intakeItems: args.intakeItems });
    completed = 0;
    failed = 0;
    expected = jobs;
    resolutions = {};
    const finished = new Promise<void>((r) => (roundDone = r));
    // Each round starts on a collected heap, so one round's garbage is not the next one's GC.
    (globalThis as { gc?: () => void }).gc?.();
    const rss = { start: process.memoryUsage().rss, end: 0, max: 0 };
    const sampler = setInterval(() => (rss.max = Math.max(rss.max, process.memoryUsage().rss)), 250);
    const cpu0 = process.cpuUsage();
    const faults0 = process.resourceUsage().minorPageFault;
    const t0 = now();
    await Promise.all(workers.map((w) => w.resume()));
    await finished;
    const seconds = (now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const faults = process.resourceUsage().minorPageFault - faults0;
    clearInterval(sampler);
    await Promise.all(workers.map((w) => w.pause()));
    rss.end = process.memoryUsage().rss;
    rss.max = Math.max(rss.max, rss.end);
    return {
      type: 'round',
      jobs,
      completed,
      failed,
      seconds,
      perSecond: jobs / seconds,
      cpuUsPerJob: (cpu.user + cpu.system) / jobs,
      sysUsPerJob: cpu.system / jobs,
      pageFaultsPerJob: faults / jobs,
      rss,
      resolutions,
    };
  };
  if (args.warmup > 0) await drainRound(args.warmup);
  process.on('message', (m: { type?: string; jobs?: number }) => {
    if (m?.type === 'drain') void drainRound(m.jobs!).then(send);
  });
  onStopRequest(async () => {
    await stop();
    await queue.close();
    await intakeQueue.close();
    conn.disconnect();
  });
  await send({ type: 'ready', seedSeconds });
}

/**
 * The worker a drain measures: impl=noop, a BullMQ Worker with a no-op processor on the activities
 * queue; impl=real, contactflow's own workers (`startContactflow`, ROLE=worker) on `repos`,
 * counting each activity through the use case's callback (inline, activities complete inside the
 * fan-out's intake jobs, and only a failure becomes an activities job, whose failure counts).
 * `paused`: created or paused before any job is taken (rounds resume them per round).
 */
async function startBenchWorker(
  args: Pick<DrainArgs, 'impl' | 'redisUrl' | 'prefix' | 'concurrency' | 'intakeProcessing'>,
  repos: Repositories,
  onDone: (ok: boolean) => void,
  onResolution: (resolution: string) => void,
  opts: { paused?: boolean } = {},
): Promise<{ workers: Worker[]; stop: () => Promise<void> }> {
  if (args.impl === 'noop') {
    const wconn = createRedisConnection(args.redisUrl, 'worker', 'bench-noop-worker');
    const worker = new Worker(ACTIVITIES_QUEUE, async () => {}, { connection: wconn, prefix: args.prefix, concurrency: args.concurrency, autorun: !opts.paused });
    worker.on('completed', () => onDone(true));
    worker.on('failed', () => onDone(false));
    return {
      workers: [worker],
      stop: async () => {
        await worker.close();
        wconn.disconnect();
      },
    };
  }
  const config = parseConfig(
    benchEnv(args.redisUrl, args.prefix, { ROLE: 'worker', WORKER_CONCURRENCY: String(args.concurrency), LOG_LEVEL: 'warn', ...intakeProcessingEnv(args.intakeProcessing) }),
  );
  const app = await startContactflow(config, createLogger(config.LOG_LEVEL), {
    repos,
    onProcessed: (r) => {
      onResolution(r.resolution);
      onDone(true);
    },
  });
  app.worker!.on('failed', () => onDone(false));
  const workers = [app.fanOut!, app.worker!];
  if (opts.paused) await Promise.all(workers.map((w) => w.pause()));
  return { workers, stop: () => app.stop() };
}

function intakeProcessingEnv(mode: 'inline' | 'jobs' | undefined): Record<string, string> {
  return mode ? { INTAKE_PROCESSING: mode } : {};
}

const args = JSON.parse(process.argv[2] ?? '{}') as DrainArgs | SoakArgs | RoundsArgs;
(args.mode === 'soak' ? soak(args) : args.mode === 'rounds' ? rounds(args) : drain(args).then(() => process.exit(0))).catch((err) => {
  process.stderr.write(`pipeline-worker: ${(err as Error).stack}\n`);
  process.exit(1);
});
