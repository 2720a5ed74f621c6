/**
 * contactflow benchmarks: each figure next to its reference, measured in the same run, and the ratio.
 *
 *   npm run bench            full run (~10 min), writes bench/results/<date>-full.md and the
 *                            "Latest full results" block of bench/README.md
 *   npm run bench:quick      < 2 min, writes bench/results/<date>-quick.md
 *   flags: --quick, --profile (also profile the intake server: --cpu-prof, top self time),
 *          --only=intake,pipeline,latency,scaling, --profile-pipeline (a .cpuprofile per worker child)
 *
 * Process layout (2 cores shared by everything): this process is the load generator (autocannon,
 * programmatic API) and the conductor; every server or worker runs in its own child process
 * (bench/intake-server.ts, bench/pipeline-worker.ts, bench/load-producer.ts) against a private
 * redis-server started here on a free loopback port (src/infra/redis-server.ts). Nothing targets
 * anything but 127.0.0.1, every load is bounded in count and time, and everything stops by itself.
 */
import autocannon from 'autocannon';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { startRedisServer } from '../src/infra/redis-server';
import { activity, freshEmail } from './lib/activities';
import { appEnv, appNodeFlags, procCpuSeconds, BENCH_API_KEY, BENCH_ROOT, benchEnv, fmt, LOOPBACK, machineInfo, mdTable, percentile, spawnChild, tmpDir } from './lib/common';
import type { DrainArgs, DrainResult, RoundResult, RoundsArgs, SoakArgs } from './pipeline-worker';
import { summarizeProfile } from './profile-summary';

const argv = process.argv.slice(2);
const QUICK = argv.includes('--quick');
const PROFILE = argv.includes('--profile') || !QUICK;
// Profiles every pipeline worker child too (one .cpuprofile each, under results/profiles/pipeline).
const PROFILE_PIPELINE = argv.includes('--profile-pipeline');
const ONLY = (argv.find((a) => a.startsWith('--only='))?.slice(7).split(',') ?? ['intake', 'pipeline', 'latency', 'scaling']);
const MONGODB_URI = process.env.MONGODB_URI;

const P = QUICK
  ? { warmup: 1, duration: 4, connections: 32, batchConnections: 16, batchRounds: 3, jobs: 2000, drainWarmup: 500, rounds: 2, intakeRounds: 2, informational: false, concurrencies: [1, 10, 50], seed: 10_000, latencyRounds: Number(process.env.BENCH_LATENCY_ROUNDS ?? 1), roundSeconds: Number(process.env.BENCH_SOAK_SECONDS ?? 8), soakWarmup: 2, roundWarmup: 2, saturationSeconds: 3, roundSaturationSeconds: 3, scaling: [10_000, 100_000], scalingJobs: 3000 }
  : { warmup: 3, duration: 10, connections: 32, batchConnections: 16, batchRounds: 5, jobs: 10_000, drainWarmup: 2000, rounds: 5, intakeRounds: 3, informational: true, concurrencies: [1, 10, 50], seed: 10_000, latencyRounds: Number(process.env.BENCH_LATENCY_ROUNDS ?? 4), roundSeconds: Number(process.env.BENCH_SOAK_SECONDS ?? 15), soakWarmup: 5, roundWarmup: 2, saturationSeconds: 10, roundSaturationSeconds: 5, scaling: [10_000, 100_000, 1_000_000], scalingJobs: 10_000 };
// BENCH_CONCURRENCIES=10,50: only these pipeline concurrencies (experiments).
if (process.env.BENCH_CONCURRENCIES) P.concurrencies = process.env.BENCH_CONCURRENCIES.split(',').map(Number);
const LATENCY_CONCURRENCY = 10;

interface Row {
  figure: string;
  value: string;
  reference: string;
  ratio: string;
  goal: string;
  met: string;
}
const sections: { title: string; rows: Row[]; notes: string[] }[] = [];
function section(title: string) {
  const s = { title, rows: [] as Row[], notes: [] as string[] };
  sections.push(s);
  console.log(`\n## ${title}`);
  return {
    row(r: Row) {
      s.rows.push(r);
      console.log(`  ${r.figure}: ${r.value}  | reference ${r.reference}  | ratio ${r.ratio}  | goal ${r.goal} ${r.met}`);
    },
    note(n: string) {
      s.notes.push(n);
      console.log(`  · ${n}`);
    },
    /** Recorded in the report only (already printed). */
    raw(n: string) {
      s.notes.push(n);
    },
  };
}
const met = (ok: boolean) => (ok ? '✅' : '❌');

let seq = 0;
let REDIS_PID = 0;
const freshPrefix = (name: string) => `{b${name}${(seq++).toString(36)}}`;

// ---------------------------------------------------------------- intake

// Numbers every request of the run, so rounds against one server never repeat an Idempotency-Key.
let requestSeq = 0;
/**
 * Seconds per batch round: 50,000–126,000 activities at the rates seen here (25–63k/s), about one
 * default MAX_QUEUE_DEPTH (100,000) where a 10 s run left four. A fixed request count cannot be timed with autocannon:
 * with `amount` it ends on its next one-second tick.
 */
const BATCH_ROUND_SECONDS = 2;

async function autocannonRun(opts: { port: number; path: string; seconds: number; connections: number; body: (n: number) => string; key: boolean; pids?: number[] }) {
  const cpu0 = (opts.pids ?? []).map(procCpuSeconds);
  const result = await autocannon({
    url: `http://${LOOPBACK}:${opts.port}`,
    connections: opts.connections,
    pipelining: 1,
    duration: opts.seconds,
    timeout: 10,
    requests: [
      {
        method: 'POST',
        path: opts.path,
        setupRequest: (req) => {
          const i = requestSeq++;
          const headers: Record<string, string> = { 'content-type': 'application/json', authorization: `Bearer ${BENCH_API_KEY}` };
          if (opts.key) headers['idempotency-key'] = `ik-${process.pid}-${seq}-${i}`;
          return { ...req, headers, body: opts.body(i) };
        },
      },
    ],
  });
  const total = result['2xx'] + result.non2xx;
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    console.log(`  ! ${opts.path}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts of ${total}`);
  }
  const cpu = (opts.pids ?? []).map((pid, i) => procCpuSeconds(pid) - cpu0[i]!);
  return {
    /** CPU µs per 2xx request, per watched process (server, redis-server). */
    cpuUs: cpu.map((c) => (c * 1e6) / Math.max(1, result['2xx'])),
    rps: result['2xx'] / opts.seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok: result['2xx'],
    bad: result.non2xx + result.errors + result.timeouts,
  };
}

type IntakeMode = 'app' | 'reference' | 'reference-born' | 'naive';

async function intakeServer(mode: IntakeMode, redisUrl: string, execArgv: string[] = []) {
  const child = spawnChild('intake-server.ts', [], { env: { ...appEnv(), ...benchEnv(redisUrl, freshPrefix('i')), BENCH_MODE: mode }, execArgv: [...appNodeFlags(), ...execArgv] });
  const { port } = await child.next<{ port: number }>('ready', 60_000);
  return { child, port };
}

type IntakeRun = Awaited<ReturnType<typeof autocannonRun>>;

/** A warm-up, then `rounds` measured runs on demand, against one server process. */
async function intakeTarget(mode: IntakeMode, redisUrl: string) {
  const { child, port } = await intakeServer(mode, redisUrl);
  const body = (i: number) => JSON.stringify(activity(freshEmail(mode, i), i));
  const run = (seconds: number, pids?: number[]) => autocannonRun({ port, path: '/v1/activities', seconds, connections: P.connections, body, key: true, pids });
  await run(P.warmup);
  return { measure: () => run(P.duration, [child.proc.pid!, REDIS_PID]), stop: () => child.stop() };
}

async function measureIntake(mode: IntakeMode, redisUrl: string): Promise<IntakeRun> {
  const target = await intakeTarget(mode, redisUrl);
  try {
    return await target.measure();
  } finally {
    await target.stop();
  }
}

async function benchIntake(redisUrl: string) {
  const s = section('Intake (POST /v1/activities, autocannon in the conductor process, server in a child)');
  const flush = async () => {
    const r = new Redis(redisUrl);
    await r.flushall();
    // An AOF rewrite forked for the data just dropped would still write it out, on the cores the
    // next measurement needs: wait for it (a few seconds at most).
    for (let i = 0; i < 100 && /aof_rewrite_in_progress:1/.test(await r.info('persistence')); i++) await new Promise((res) => setTimeout(res, 100));
    r.disconnect();
  };
  // The reference and the app server take turns, both warm and alive: ref, app, ref, app, …, ref;
  // each app run against the mean of the reference runs just before and after it (this machine
  // drifts by tens of percent over minutes: one-off references 30 s apart differed by 30 %).
  const refTarget = await intakeTarget('reference', redisUrl);
  const appTarget = await intakeTarget('app', redisUrl);
  const refs: IntakeRun[] = [];
  const apps: IntakeRun[] = [];
  const ratios: number[] = [];
  try {
    refs.push(await refTarget.measure());
    for (let r = 0; r < P.intakeRounds; r++) {
      apps.push(await appTarget.measure());
      refs.push(await refTarget.measure());
      ratios.push(apps[r]!.rps / ((refs[r]!.rps + refs[r + 1]!.rps) / 2));
    }
  } finally {
    await Promise.all([refTarget.stop(), appTarget.stop()]);
  }
  await flush();
  // The issue's second yardstick: the same reference plus a bare `await queue.add(body)`.
  const naive = await measureIntake('naive', redisUrl);
  await flush();
  // Not a goal: the same echo on contactflow's own HTTP server (requests born with the app's
  // prototypes, src/api/express-http-server.ts), so the table shows what that server alone gives.
  const born = await measureIntake('reference-born', redisUrl);
  const avg = (runs: IntakeRun[], f: (r: IntakeRun) => number) => mean(runs.map(f));
  const ref = { rps: avg(refs, (r) => r.rps), p50: avg(refs, (r) => r.p50), p99: avg(refs, (r) => r.p99), cpu: avg(refs, (r) => r.cpuUs[0]!) };
  const app = { rps: avg(apps, (r) => r.rps), p50: avg(apps, (r) => r.p50), p99: avg(apps, (r) => r.p99), cpu: [avg(apps, (r) => r.cpuUs[0]!), avg(apps, (r) => r.cpuUs[1]!)], bad: apps.reduce((n, r) => n + r.bad, 0) };
  const ratio = median(ratios);
  s.row({
    figure: 'single intake req/s',
    value: `${fmt.int(app.rps)} (rounds ${apps.map((r) => fmt.int(r.rps)).join(', ')})`,
    reference: `${fmt.int(ref.rps)} (express.json → 202, no enqueue; rounds ${refs.map((r) => fmt.int(r.rps)).join(', ')})`,
    ratio: `${fmt.ratio(ratio)} (median of ${ratiosText(ratios)})`,
    goal: '≥ 0.80×',
    met: met(ratio >= 0.8),
  });
  const naiveRatio = naive.rps / ref.rps;
  s.row({ figure: 'naive enqueue req/s (express.json + await queue.add)', value: fmt.int(naive.rps), reference: `${fmt.int(ref.rps)} (the reference rounds)`, ratio: fmt.ratio(naiveRatio), goal: 'intake > this', met: met(ratio > naiveRatio) });
  s.row({ figure: 'naive enqueue CPU per request (server + redis)', value: `${fmt.int(naive.cpuUs[0]!)} + ${fmt.int(naive.cpuUs[1]!)} µs`, reference: '—', ratio: '—', goal: '—', met: '' });
  s.row({ figure: "single intake req/s vs the same echo on contactflow's HTTP server", value: fmt.int(app.rps), reference: `${fmt.int(born.rps)} (express.json → 202 on createExpressHttpServer)`, ratio: fmt.ratio(app.rps / born.rps), goal: '—', met: '' });
  s.row({ figure: 'single intake p50', value: fmt.ms(app.p50), reference: fmt.ms(ref.p50), ratio: fmt.ratio(app.p50 / ref.p50), goal: '—', met: '' });
  s.row({ figure: 'single intake p99', value: fmt.ms(app.p99), reference: fmt.ms(ref.p99), ratio: fmt.ratio(app.p99 / ref.p99), goal: '—', met: '' });
  s.row({ figure: 'single intake CPU per request (server + redis)', value: `${fmt.int(app.cpu[0]!)} + ${fmt.int(app.cpu[1]!)} µs`, reference: `${fmt.int(ref.cpu)} µs (${fmt.int(born.cpuUs[0]!)} µs on contactflow's server)`, ratio: fmt.ratio(ref.cpu / (app.cpu[0]! + app.cpu[1]!)), goal: '—', met: '' });
  s.note(`${P.connections} connections, ${P.intakeRounds} app runs of ${P.duration} s between ${P.intakeRounds + 1} reference runs, each server warmed up for ${P.warmup} s first; unique Idempotency-Key and body per request`);
  if (app.bad > 0) s.note(`app: ${app.bad} requests were not 2xx`);

  // Batch: 100 activities per request, each with its own idempotencyKey. 16 connections: each request
  // waits for two Redis round trips after its ≈ 2.5 ms of server CPU, and with 8 the server sat idle
  // for a fifth of the time (0.72–0.79 of a core busy); 16 measured 35.1k against 28.8–31.6k/s with 8
  // minutes apart (bench/README.md, "Tenth session"). The p50 / p99 per request are in the next row.
  // The figure is a throughput at saturation, so the load keeps the server busy.
  //
  // In rounds of BATCH_ROUND_SECONDS, each on an emptied Redis: nothing drains the intake
  // queue here, and one 10 s run left ≈ 400,000 activities (≈ 1.5 GB) in redis-server, whose AOF
  // rewrites of that backlog then slowed it minute by minute (10 s runs back to back: 35.7k, 30.0k,
  // 30.9k, 27.5k/s, redis-server CPU per activity 15.8 → 26.8 µs). A deployment never gets there:
  // past MAX_QUEUE_DEPTH (100,000 waiting activities by default) the intake answers 503. So each round
  // stays under it (bench/README.md, "Eleventh session").
  await flush();
  const { child, port } = await intakeServer('app', redisUrl);
  try {
    // Built once with a marker where the request number goes (in each email and idempotencyKey), so
    // each request costs a string join here: building and stringifying 100 objects per request took
    // ≈ 440 µs, about a seventh of a core at this rate, on the cores the server needs.
    const MARK = '@@request@@';
    const parts = JSON.stringify({ activities: Array.from({ length: 100 }, (_, k) => ({ ...activity(freshEmail(`b${seq}-${MARK}`, k), k), idempotencyKey: `bk-${seq}-${MARK}-${k}` })) }).split(MARK);
    const body = (i: number) => parts.join(String(i));
    await autocannonRun({ port, path: '/v1/activities/batch', seconds: P.warmup, connections: P.batchConnections, body, key: false });
    const rounds: IntakeRun[] = [];
    for (let r = 0; r < P.batchRounds; r++) {
      await flush();
      rounds.push(await autocannonRun({ port, path: '/v1/activities/batch', seconds: BATCH_ROUND_SECONDS, connections: P.batchConnections, body, key: false, pids: [child.proc.pid!, REDIS_PID] }));
    }
    const perSecond = median(rounds.map((b) => b.rps * 100));
    const mid = [...rounds].sort((a, b) => a.rps - b.rps)[Math.floor((rounds.length - 1) / 2)]!;
    s.row({
      figure: 'batch intake activities/s (100/request)',
      value: `${fmt.int(perSecond)} (median of rounds ${rounds.map((b) => fmt.int(b.rps * 100)).join(', ')})`,
      reference: '30,000/s (goal)',
      ratio: fmt.ratio(perSecond / 30_000),
      goal: '≥ 30,000/s',
      met: met(perSecond >= 30_000 && rounds.every((b) => b.bad === 0)),
    });
    s.row({ figure: 'batch request p50 / p99 (the median round)', value: `${fmt.ms(mid.p50)} / ${fmt.ms(mid.p99)}`, reference: '—', ratio: '—', goal: '—', met: '' });
    const cpu = (k: number) => mean(rounds.map((b) => b.cpuUs[k]! / 100));
    s.note(
      `batch: ${P.batchConnections} connections, ${P.batchRounds} rounds of ${BATCH_ROUND_SECONDS} s (${rounds.map((b) => fmt.int(b.ok * 100)).join(', ')} activities; the default MAX_QUEUE_DEPTH is 100,000), each on an emptied redis-server, after a ${P.warmup} s warm-up; CPU per activity: server ${fmt.int(cpu(0))} µs + redis ${fmt.int(cpu(1))} µs`,
    );
    if (rounds.some((b) => b.bad > 0)) s.note(`batch: ${rounds.reduce((n, b) => n + b.bad, 0)} requests were not 2xx`);
  } finally {
    await child.stop();
  }
  await flush();
}

async function profileIntake(redisUrl: string) {
  const s = section('Profile: intake server under load (node --cpu-prof, not a measurement)');
  const dir = path.join(BENCH_ROOT, 'results', 'profiles');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const { child, port } = await intakeServer('app', redisUrl, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
  const body = (i: number) => JSON.stringify(activity(freshEmail(`p${seq}`, i), i));
  const run = await autocannonRun({ port, path: '/v1/activities', seconds: Math.max(P.duration, 8), connections: P.connections, body, key: true });
  await child.stop();
  // One file per thread (tsx's loader has its own): the main thread's is the largest.
  const file = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort((a, b) => statSync(path.join(dir, b)).size - statSync(path.join(dir, a)).size)[0];
  if (!file) return s.note('no .cpuprofile written');
  s.note(`${fmt.int(run.rps)} req/s while profiling; ${path.relative(process.cwd(), path.join(dir, file))}`);
  const summary = summarizeProfile(readFileSync(path.join(dir, file), 'utf8'), 15);
  console.log(summary.text);
  s.raw('```\n' + summary.text + '\n```');
}

// ---------------------------------------------------------------- pipeline

async function drain(args: Omit<DrainArgs, 'mode' | 'prefix'>): Promise<DrainResult> {
  const profileDir = path.join(BENCH_ROOT, 'results', 'profiles', 'pipeline');
  if (PROFILE_PIPELINE) mkdirSync(profileDir, { recursive: true });
  const profileFile = PROFILE_PIPELINE ? path.join(profileDir, `${args.impl}-c${args.concurrency}-seed${args.seed}-${seq}.cpuprofile`) : undefined;
  // Every drain first processes P.drainWarmup jobs of the same mix, off the clock (pipeline-worker.ts).
  const warmup = args.warmup ?? P.drainWarmup;
  const child = spawnChild('pipeline-worker.ts', [JSON.stringify({ mode: 'drain', prefix: freshPrefix('p'), ...args, warmup })], {
    execArgv: [...appNodeFlags(), '--max-old-space-size=8192', '--expose-gc', ...traceGcFlags()],
    env: {
      ...appEnv(),
      ...(profileFile ? { BENCH_PROFILE_FILE: profileFile } : {}),
      // BENCH_PROMOTION=1: what each drain allocates that outlives a young GC, per job (results/profiles/promotion).
      ...(process.env.BENCH_PROMOTION ? { BENCH_PROMOTION_PROFILE: promotionFile(args) } : {}),
    },
    quiet: !process.env.BENCH_TRACE_GC,
  });
  const before = process.env.BENCH_REDIS_CALLS ? await redisCalls(args.redisUrl) : undefined;
  try {
    const r = await child.next<DrainResult>('result', 900_000);
    if (before) {
      // BENCH_REDIS_CALLS=1: redis-server commands per job during this child's life (pre-fill included).
      const per = callsPer(before, await redisCalls(args.redisUrl), args.jobs + warmup);
      console.log(`  · redis calls per job (${args.impl}, c=${args.concurrency}${args.via === 'intake' ? ', staged' : ''}, pre-fill included): ${per}`);
    }
    if (r.failed > 0) console.log(`  ! ${r.failed} of ${r.jobs} jobs failed`);
    return r;
  } finally {
    await child.stop();
    const redis = new Redis(args.redisUrl);
    await redis.flushall();
    redis.disconnect();
  }
}

function promotionFile(args: Omit<DrainArgs, 'mode' | 'prefix'>): string {
  const dir = path.join(BENCH_ROOT, 'results', 'profiles', 'promotion');
  mkdirSync(dir, { recursive: true });
  return path.join(dir, `${args.impl}-c${args.concurrency}-seed${args.seed}${args.via === 'intake' ? '-staged' : ''}.txt`);
}

/** Commands per unit between two INFO commandstats readings, busiest first (at least 0.05 per unit). */
function callsPer(before: Map<string, number>, after: Map<string, number>, units: number): string {
  return [...after]
    .map(([cmd, n]) => [cmd, (n - (before.get(cmd) ?? 0)) / units] as const)
    .filter(([, n]) => n >= 0.05)
    .sort((a, b) => b[1] - a[1])
    .map(([cmd, n]) => `${cmd} ${n.toFixed(2)}`)
    .join(', ');
}

async function redisCalls(redisUrl: string): Promise<Map<string, number>> {
  const redis = new Redis(redisUrl);
  const info = await redis.info('commandstats');
  redis.disconnect();
  const calls = new Map<string, number>();
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls.set(m[1]!, Number(m[2]));
  return calls;
}

/** redis-server's own pauses from INFO: AOF writes delayed by a slow fsync, AOF rewrites (a fork each). */
async function redisStallCounters(redisUrl: string): Promise<{ delayedFsync: number; rewrites: number; forks: number; latestForkUs: number }> {
  const redis = new Redis(redisUrl);
  const info = await redis.info();
  redis.disconnect();
  const field = (k: string) => Number(new RegExp(`^${k}:(.*)$`, 'm').exec(info)?.[1]?.trim() ?? NaN);
  return { delayedFsync: field('aof_delayed_fsync'), rewrites: field('aof_rewrites'), forks: field('total_forks'), latestForkUs: field('latest_fork_usec') };
}


/** BENCH_TRACE_GC=1 (or nvp): worker children print --trace-gc (-nvp) lines, to match slow spots to GCs. */
function traceGcFlags(): string[] {
  const trace = process.env.BENCH_TRACE_GC;
  // BENCH_WORKER_FLAGS: extra node/V8 flags for worker children, for GC experiments (bench/README.md).
  const extra = process.env.BENCH_WORKER_FLAGS?.split(/\s+/).filter(Boolean) ?? [];
  return [...(trace ? [trace === 'nvp' ? '--trace-gc-nvp' : '--trace-gc'] : []), ...extra];
}

/** A long-lived drain process (pipeline-worker.ts, mode 'rounds'), drained on command. */
interface Drainer {
  label: string;
  seedSeconds: number;
  drain(jobs: number): Promise<RoundResult>;
  stop(): Promise<void>;
}

async function startDrainer(label: string, args: Omit<RoundsArgs, 'mode' | 'prefix' | 'warmup'>): Promise<Drainer> {
  const child = spawnChild('pipeline-worker.ts', [JSON.stringify({ mode: 'rounds', prefix: freshPrefix('r'), warmup: P.drainWarmup, ...args } satisfies RoundsArgs)], {
    execArgv: [...appNodeFlags(), '--max-old-space-size=8192', '--expose-gc', ...traceGcFlags()],
    env: appEnv(),
    quiet: !process.env.BENCH_TRACE_GC,
  });
  const { seedSeconds } = await child.next<{ seedSeconds: number }>('ready', 900_000);
  return {
    label,
    seedSeconds,
    async drain(jobs) {
      child.send({ type: 'drain', jobs });
      const r = await child.next<RoundResult>('round', 900_000);
      if (r.failed > 0) console.log(`  ! ${label}: ${r.failed} of ${r.jobs} jobs failed`);
      return r;
    },
    stop: () => child.stop(),
  };
}

interface Alternation {
  refs: RoundResult[];
  /** Per measured drainer: its rounds, and each round's ratio to the mean of the references just before and after it. */
  runs: { rounds: RoundResult[]; ratios: number[] }[];
}

/**
 * The reference and the measured processes take turns, all alive at once: ref, a, ref, b, ref, a,
 * ref, b, ref, … Each measured round is compared with the reference rounds just before and just
 * after it (their mean), so figure and reference are seconds apart. One-off processes minutes
 * apart measured this machine's drift (tens of percent over minutes) as much as the code.
 */
async function alternate(ref: Drainer, measured: Drainer[], rounds: number, jobs: number): Promise<Alternation> {
  const refs = [await ref.drain(jobs)];
  const runs = measured.map(() => ({ rounds: [] as RoundResult[], ratios: [] as number[] }));
  for (let round = 0; round < rounds; round++) {
    for (let m = 0; m < measured.length; m++) {
      const r = await measured[m]!.drain(jobs);
      refs.push(await ref.drain(jobs));
      runs[m]!.rounds.push(r);
      runs[m]!.ratios.push(r.perSecond / ((refs[refs.length - 2]!.perSecond + refs[refs.length - 1]!.perSecond) / 2));
    }
  }
  return { refs, runs };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const meanOf = (rs: RoundResult[], k: 'perSecond' | 'cpuUsPerJob' | 'sysUsPerJob' | 'pageFaultsPerJob') => mean(rs.map((r) => r[k]));
const ratiosText = (ratios: number[]) => ratios.map((x) => fmt.ratio(x)).join(', ');

/** Stops the drainers and empties the bench's redis-server (completed jobs of every round). */
async function stopDrainers(redisUrl: string, drainers: Drainer[]) {
  await Promise.all(drainers.map((d) => d.stop()));
  const redis = new Redis(redisUrl);
  await redis.flushall();
  redis.disconnect();
}

async function benchPipeline(redisUrl: string) {
  const s = section(
    `Pipeline: queue → store, ${P.jobs} pre-filled activities per round, ${P.rounds} rounds, ${P.seed / 1000}k existing contacts at the start (half the activities match one, half create)`,
  );
  for (const concurrency of P.concurrencies) {
    const noop = await startDrainer('no-op', { impl: 'noop', concurrency, seed: 0, redisUrl });
    const measured = [
      // The default path: intake jobs of 10 (what the HTTP intake writes under load; the long run's
      // producer writes ≈ 8 per job at 1,600/s), processed inline by the fan-out.
      await startDrainer('inline', { impl: 'real', concurrency, seed: P.seed, redisUrl, via: 'intake', intakeItems: 10 }),
    ];
    // One activities job per activity: hand-offs, replays, and INTAKE_PROCESSING=jobs past the
    // fan-out. Informational (no goal), so the full run only.
    if (P.informational) measured.push(await startDrainer('activities queue', { impl: 'real', concurrency, seed: P.seed, redisUrl }));
    try {
      const { refs, runs } = await alternate(noop, measured, P.rounds, P.jobs);
      const [inline, queued] = runs as [Alternation['runs'][number], Alternation['runs'][number] | undefined];
      const ratio = median(inline.ratios);
      const failed = inline.rounds.reduce((n, r) => n + r.failed, 0);
      const refText = `${fmt.int(meanOf(refs, 'perSecond'))} (BullMQ no-op worker, one job per activity; rounds ${refs.map((r) => fmt.int(r.perSecond)).join(', ')})`;
      s.row({
        figure: `memory store, concurrency ${concurrency}, from the intake stage (inline, the default), activities/s`,
        value: `${fmt.int(meanOf(inline.rounds, 'perSecond'))} (rounds ${inline.rounds.map((r) => fmt.int(r.perSecond)).join(', ')})`,
        reference: refText,
        ratio: `${fmt.ratio(ratio)} (median of ${ratiosText(inline.ratios)})`,
        goal: '≥ 0.50×',
        met: met(ratio >= 0.5 && failed === 0),
      });
      if (queued) s.row({
        figure: `memory store, concurrency ${concurrency}, from the activities queue (one job per activity), activities/s`,
        value: fmt.int(meanOf(queued.rounds, 'perSecond')),
        reference: `${fmt.int(meanOf(refs, 'perSecond'))} (the same no-op rounds)`,
        ratio: `${fmt.ratio(median(queued.ratios))} (median of ${ratiosText(queued.ratios)})`,
        goal: '—',
        met: queued.rounds.every((r) => r.failed === 0) ? '' : '❌',
      });
      const note = (what: string, rs: RoundResult[]) =>
        `${what}: ${JSON.stringify(rs[rs.length - 1]!.resolutions)} in its last round; worker RSS ${fmt.mb(rs[0]!.rss.start)} → ${fmt.mb(rs[rs.length - 1]!.rss.end)}; worker CPU per activity ${fmt.int(meanOf(rs, 'cpuUsPerJob'))} µs`;
      s.note(`c=${concurrency}: ${note('inline', inline.rounds)}; ${queued ? `${note('activities queue', queued.rounds)}; ` : ''}no-op ${fmt.int(meanOf(refs, 'cpuUsPerJob'))} µs per job`);
    } finally {
      await stopDrainers(redisUrl, [noop, ...measured]);
    }
    if (concurrency === LATENCY_CONCURRENCY && P.informational) {
      // The same intake jobs with INTAKE_PROCESSING=jobs: the fan-out adds one activities job per
      // activity (the second hop), as the worker ran before inline processing became the default.
      // One-off drains against a one-off reference: informational, no goal.
      const ref = await drain({ impl: 'noop', concurrency, jobs: P.jobs, seed: 0, redisUrl });
      const hop = await drain({ impl: 'real', concurrency, jobs: P.jobs, seed: P.seed, redisUrl, via: 'intake', intakeItems: 10, intakeProcessing: 'jobs' });
      s.row({
        figure: `memory store, concurrency ${concurrency}, from the intake stage with INTAKE_PROCESSING=jobs (fan-out, then activities jobs), activities/s`,
        value: fmt.int(hop.perSecond),
        reference: `${fmt.int(ref.perSecond)} (a no-op drain just before it)`,
        ratio: fmt.ratio(hop.perSecond / ref.perSecond),
        goal: '—',
        met: hop.failed === 0 ? '' : '❌',
      });
    }
  }
  if (MONGODB_URI) {
    for (const concurrency of P.concurrencies) {
      const ref = await drain({ impl: 'noop', concurrency, jobs: P.jobs, seed: 0, redisUrl });
      const real = await drain({ impl: 'real', concurrency, jobs: P.jobs, seed: P.seed, redisUrl, store: 'mongodb' });
      const ratio = real.perSecond / ref.perSecond;
      s.row({ figure: `MongoDB, concurrency ${concurrency}, activities/s`, value: fmt.int(real.perSecond), reference: `${fmt.int(ref.perSecond)} (no-op)`, ratio: fmt.ratio(ratio), goal: '≥ 0.50×', met: met(ratio >= 0.5 && real.failed === 0) });
    }
  } else {
    s.note('MongoDB: not measured (MONGODB_URI is not set; no mongod on this machine)');
  }
}

// ---------------------------------------------------------------- latency + long run

type Sent = [id: string, start: number, acked: number][];

/**
 * The pipeline's saturation as the long run sees it: the soak worker, warm, with the producer
 * beside it on the same two cores, the producer keeping the intake stage full (load-producer.ts,
 * saturate) for `seconds`. Activities per second that became visible after the first second.
 *
 * Why not the drain: a drain runs the worker alone against a pre-filled queue. With lanes it reached
 * 6,132/s, but half of that (3,066/s) was past what the worker sustains with a producer, redis-server
 * and this process on the same cores: the paced run queued up to 1.5 s.
 */
async function saturationBesideProducer(redisUrl: string, prefix: string, visibleAt: Map<string, number>, seconds: number, tag: string) {
  const producer = spawnChild('load-producer.ts', [JSON.stringify({ redisUrl, prefix, rate: 0, seconds, seed: P.seed, mode: 'saturate', tag })]);
  const { sent } = await producer.next<{ sent: Sent }>('result', (seconds + 60) * 1000);
  await producer.stop();
  const from = sent[0]![1] + 1000;
  const to = sent[sent.length - 1]![1];
  // The backlog (at most the intake stage's waiting jobs) drains before anything else runs.
  await waitUntil(() => sent.every(([id]) => visibleAt.has(id)), 60_000);
  let n = 0;
  for (const [id] of sent) {
    const t = visibleAt.get(id);
    if (t !== undefined && t >= from && t < to) n++;
  }
  return { perSecond: n / ((to - from) / 1000), activities: sent.length };
}

/** Enqueue → visible of each activity of `sent` that became visible, in ms, sorted. */
function latencies(sent: Sent, visibleAt: Map<string, number>): number[] {
  const l: number[] = [];
  for (const [id, start] of sent) {
    const v = visibleAt.get(id);
    if (v !== undefined) l.push(v - start);
  }
  return l.sort((a, b) => a - b);
}

async function waitUntil(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
}

/** One latency round: a fresh saturation figure, then a warm-up and the paced window at half of it. */
interface LatencyRound {
  saturation: number;
  rate: number;
  sent: Sent;
  warm: Sent;
  errors: number;
  cpuShare: number[];
  loop: { p50: number; p99: number; max: number };
  stalls: { rewrites: number; delayedFsync: number; latestForkUs: number };
}

async function benchLatency(redisUrl: string) {
  const prefix = freshPrefix('l');
  const worker = spawnChild('pipeline-worker.ts', [JSON.stringify({ mode: 'soak', concurrency: LATENCY_CONCURRENCY, seed: P.seed, redisUrl, prefix, warmup: P.drainWarmup } satisfies SoakArgs)], {
    // BENCH_TRACE_GC=1 (or nvp): the worker's --trace-gc (-nvp) lines on this terminal, to match spikes to GCs.
    execArgv: [...appNodeFlags(), '--expose-gc', ...traceGcFlags(), ...(process.env.BENCH_SOAK_FLAGS?.split(/\s+/).filter(Boolean) ?? [])],
    env: appEnv(),
    quiet: !process.env.BENCH_TRACE_GC,
  });
  try {
    await worker.next('ready', 120_000);
    const visibleAt = new Map<string, number>();
    // activity id → [activities job created by the fan-out, taken by a worker] (epoch ms, ms resolution)
    const stagesOf = new Map<string, [number, number]>();
    worker.proc.on('message', (m: { type?: string; entries?: [string, number][] }) => {
      if (m?.type === 'visible') for (const [id, t] of m.entries!) visibleAt.set(id, t);
      if (m?.type === 'stages') for (const [id, created, taken] of m.entries as unknown as [string, number, number][]) stagesOf.set(id, [created, taken]);
    });
    // BENCH_SOAK_PROFILE=<file.cpuprofile>: the worker's CPU profile of the first paced window alone
    // (its warm-up at the rate included), without start-up, seeding, warm-up drains or saturation.
    const soakProfile = process.env.BENCH_SOAK_PROFILE;
    const rounds: LatencyRound[] = [];
    // Rounds, each with its own saturation: this machine's speed drifts by tens of percent within a
    // minute, so a rate set once from a saturation measured before a 60 s run was a quarter of the
    // way to saturation in one part of the run and nine tenths in another (bench/README.md, "Tenth
    // session"). Each round is at about half of what the worker sustains just then.
    for (let r = 0; r < P.latencyRounds; r++) {
      const saturated = await saturationBesideProducer(redisUrl, prefix, visibleAt, r === 0 ? P.saturationSeconds : P.roundSaturationSeconds, `s${r}`);
      // BENCH_LATENCY_RATE: pace the long run at a fixed rate instead (to compare runs at one load).
      const rate = Number(process.env.BENCH_LATENCY_RATE) || Math.max(50, Math.round(saturated.perSecond / 2));
      const stalls0 = await redisStallCounters(redisUrl);
      if (soakProfile && r === 0) {
        worker.send({ type: 'profile-start' });
        await worker.next('profiling', 30_000);
      }
      worker.send({ type: 'loop-reset' });
      await worker.next('loop-reset', 30_000);
      // The first seconds at the rate are a warm-up, sent and processed but not recorded, as autocannon
      // warms up before the intake's figures: a new producer process made the first second's
      // latencies up to 3x the rest's.
      const warmupSeconds = r === 0 ? P.soakWarmup : P.roundWarmup;
      const producer = spawnChild('load-producer.ts', [JSON.stringify({ redisUrl, prefix, rate, seconds: P.roundSeconds, warmupSeconds, seed: P.seed, tag: `p${r}` })]);
      // CPU of every process on the two cores while the load runs.
      const cpuPids = [worker.proc.pid!, producer.proc.pid!, REDIS_PID, process.pid];
      const cpu0 = cpuPids.map(procCpuSeconds);
      const wall0 = performance.now();
      const calls0 = process.env.BENCH_REDIS_CALLS ? await redisCalls(redisUrl) : undefined;
      const out = await producer.next<{ sent: Sent; warm: Sent; errors: number; seconds: number }>('result', (warmupSeconds + P.roundSeconds + 120) * 1000);
      const cpuShare = cpuPids.map((pid, i) => (procCpuSeconds(pid) - cpu0[i]!) / ((performance.now() - wall0) / 1000));
      if (calls0) {
        const per = callsPer(calls0, await redisCalls(redisUrl), Math.max(1, out.sent.length));
        console.log(`  · redis calls per activity under the paced load (producer and worker): ${per}`);
      }
      await producer.stop();
      // Let the round's tail drain (bounded) before the next saturation phase, which would hide it.
      await waitUntil(() => out.sent.every(([id]) => visibleAt.has(id)), 30_000);
      worker.send({ type: 'loop-read' });
      const { loop } = await worker.next<{ loop: LatencyRound['loop'] }>('loop-read', 30_000);
      if (soakProfile && r === 0) {
        worker.send({ type: 'profile-stop', file: soakProfile });
        await worker.next('profiled', 60_000);
        console.log(`  · worker profile of the first paced window: ${soakProfile}`);
      }
      // redis-server's own stalls in the same window: an AOF write postponed behind a slow fsync, or a
      // fork (AOF rewrite), holds every reply to the worker and the producer.
      const stalls1 = await redisStallCounters(redisUrl);
      const stalls = { rewrites: stalls1.rewrites - stalls0.rewrites, delayedFsync: stalls1.delayedFsync - stalls0.delayedFsync, latestForkUs: stalls1.latestForkUs };
      rounds.push({ saturation: saturated.perSecond, rate, sent: out.sent, warm: out.warm, errors: out.errors, cpuShare, loop, stalls });
      const l = latencies(out.sent, visibleAt);
      console.log(`  · round ${r + 1}: saturation ${fmt.int(saturated.perSecond)}/s, paced at ${fmt.int(rate)}/s: p50 ${fmt.ms(percentile(l, 50))}, p99 ${fmt.ms(percentile(l, 99))}`);
    }
    // The worker's long-run report: RSS samples since it was ready, heap after GC at both ends.
    const expected = rounds.reduce((n, r) => n + r.sent.length + r.warm.length, 0);
    const deadline = Date.now() + 30_000;
    let report: { samples: { t: number; rss: number; heapUsed: number }[]; heapStart: number; heapEnd: number; activities: number };
    for (;;) {
      worker.send({ type: 'report' });
      report = await worker.next('report', 60_000);
      if (report.activities >= expected || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 500));
    }

    const pacedSeconds = P.latencyRounds * P.roundSeconds;
    const s = section(
      `Latency and long run: enqueue → activity recorded (contact visible), ${P.latencyRounds} round${P.latencyRounds > 1 ? 's' : ''} of ${P.roundSeconds} s (${pacedSeconds} s in all), each at half of the saturation measured just before it, worker concurrency ${LATENCY_CONCURRENCY}`,
    );
    const perRound = rounds.map((r) => {
      const l = latencies(r.sent, visibleAt);
      return { p50: percentile(l, 50), p99: percentile(l, 99) };
    });
    const all: Sent = rounds.flatMap((r) => r.sent);
    const lat = latencies(all, visibleAt);
    const missing = rounds.reduce((n, r) => n + [...r.warm, ...r.sent].filter(([id]) => !visibleAt.has(id)).length, 0);
    const p99 = median(perRound.map((r) => r.p99));
    const roundsText = (k: 'p50' | 'p99') => perRound.map((r, i) => `${fmt.ms(r[k])} at ${fmt.int(rounds[i]!.rate)}/s`).join(', ');
    const how = `measured before each round, ${P.latencyRounds > 1 ? `${P.saturationSeconds} s before the first and ${P.roundSaturationSeconds} s before the others` : `${P.saturationSeconds} s`}, the same worker with the producer keeping the intake stage full`;
    const load = median(rounds.map((r) => r.rate / r.saturation));
    s.row({
      figure: 'enqueue → visible p50',
      value: `${fmt.ms(median(perRound.map((r) => r.p50)))}${rounds.length > 1 ? ` (median of rounds: ${roundsText('p50')})` : ''}`,
      reference: `${rounds.map((r) => fmt.int(r.saturation)).join(', ')}/s saturation (${how})`,
      ratio: `load ${fmt.ratio(load)}`,
      goal: '—',
      met: '',
    });
    s.row({
      figure: 'enqueue → visible p99',
      value: `${fmt.ms(p99)}${rounds.length > 1 ? ` (median of rounds: ${roundsText('p99')}; all rounds pooled: ${fmt.ms(percentile(lat, 99))})` : ''}`,
      reference: '50 ms (goal)',
      ratio: fmt.ratio(p99 / 50),
      goal: '≤ 50 ms',
      met: met(p99 <= 50 && missing === 0),
    });
    // The tail, window by window (by enqueue time, counted from each round's start).
    const windowP99: (readonly [number, number, number])[] = [];
    rounds.forEach((r, ri) => {
      const windows = new Map<number, number[]>();
      const t0 = r.sent[0]?.[1] ?? 0;
      for (const [id, start] of r.sent) {
        const v = visibleAt.get(id);
        if (v === undefined) continue;
        const k = Math.floor((start - t0) / 500);
        (windows.get(k) ?? windows.set(k, []).get(k)!).push(v - start);
      }
      for (const [k, l] of windows) windowP99.push([ri, k / 2, percentile(l.sort((a, b) => a - b), 99)] as const);
    });
    const sortedP99 = windowP99.map(([, , p]) => p).sort((a, b) => a - b);
    const worst = [...windowP99].sort((a, b) => b[2] - a[2]).slice(0, 6).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    s.note(
      `p99 per 0.5 s window: median ${fmt.ms(percentile(sortedP99, 50))}, ${sortedP99.filter((p) => p > 50).length} of ${sortedP99.length} windows above 50 ms; worst ${worst.map(([ri, t, p]) => `${rounds.length > 1 ? `round ${ri + 1} ` : ''}at ${t.toFixed(1)} s ${fmt.ms(p)}`).join(', ')}`,
    );
    // BENCH_LATENCY_DUMP=<file>: every activity as [enqueued, visible, job taken, warm-up?] (epoch ms), to
    // line the tail up with the worker's --trace-gc (BENCH_TRACE_GC=1 prints its time origin).
    if (process.env.BENCH_LATENCY_DUMP) {
      const rows = (list: Sent, warm: boolean) => list.map(([id, start]) => [start, visibleAt.get(id) ?? null, stagesOf.get(id)?.[1] ?? null, warm]);
      writeFileSync(process.env.BENCH_LATENCY_DUMP, JSON.stringify(rounds.flatMap((r) => [...rows(r.warm, true), ...rows(r.sent, false)])));
    }
    // Where an activity waits: the intake stage (intake add + fan-out), the activities queue (all
    // ten worker slots busy), or its own processing.
    const parts: [number[], number[], number[]] = [[], [], []];
    for (const [id, start] of all) {
      const v = visibleAt.get(id);
      const st = stagesOf.get(id);
      if (v === undefined || st === undefined) continue;
      parts[0].push(st[0] - start);
      parts[1].push(st[1] - st[0]);
      parts[2].push(v - st[1]);
    }
    const pp = (l: number[]) => (l.sort((a, b) => a - b), `p50 ${fmt.ms(percentile(l, 50))} / p99 ${fmt.ms(percentile(l, 99))}`);
    s.note(`where the time goes (ms clocks, all rounds): enqueue to the job that processes it (inline: its intake job) ${pp(parts[0])}; waiting for a worker slot ${pp(parts[1])}; processing (inline: the intake job's activities before it included) ${pp(parts[2])}`);
    const sum = (f: (r: LatencyRound) => number) => rounds.reduce((n, r) => n + f(r), 0);
    s.note(`redis-server during the paced windows: ${sum((r) => r.stalls.rewrites)} AOF rewrites (a fork each, latest ${fmt.ms(rounds[rounds.length - 1]!.stalls.latestForkUs / 1000)}), ${sum((r) => r.stalls.delayedFsync)} AOF writes delayed by fsync`);
    const cpu = (i: number) => mean(rounds.map((r) => r.cpuShare[i]!)).toFixed(2);
    s.note(`CPU while the load ran (cores, of 2; mean of rounds): worker ${cpu(0)}, producer ${cpu(1)}, redis-server ${cpu(2)}, conductor ${cpu(3)}`);
    s.note(`worker event-loop delay in the paced windows (GC pauses included, sampled every 5 ms): p99 ${rounds.map((r) => fmt.ms(r.loop.p99)).join(', ')}; max ${rounds.map((r) => fmt.ms(r.loop.max)).join(', ')}`);
    const ack = all.map(([, start, acked]) => acked - start).sort((a, b) => a - b);
    s.note(
      `max ${fmt.ms(lat[lat.length - 1] ?? NaN)}; ${lat.length} of ${all.length} visible (and ${sum((r) => r.warm.length)} warm-up activities, not in the percentiles)${missing ? `, ${missing} MISSING` : ''}; ${sum((r) => r.errors)} enqueue errors; enqueue ack p50 ${fmt.ms(percentile(ack, 50))} / p99 ${fmt.ms(percentile(ack, 99))}`,
    );
    const rss = report.samples.map((x) => x.rss);
    const start = rss[0]!;
    const end = rss[rss.length - 1]!;
    const max = Math.max(...rss);
    const retained = (report.heapEnd - report.heapStart) / Math.max(1, report.activities);
    s.row({
      figure: 'worker RSS start / end / max',
      value: `${fmt.mb(start)} / ${fmt.mb(end)} / ${fmt.mb(max)}`,
      reference: `${report.activities} activities stored in the in-memory store`,
      ratio: fmt.ratio(end / start),
      goal: 'flat (see note)',
      met: '',
    });
    s.note(
      `heap after GC: ${fmt.mb(report.heapStart)} → ${fmt.mb(report.heapEnd)} = ${fmt.int(retained)} bytes retained per stored activity; the in-memory store keeps every activity record (raw payload included) and the new contacts, so growth per activity is data, not a leak; RSS every ~${Math.round(report.samples.length / 10)} s: ${report.samples.filter((_, i) => i % Math.max(1, Math.round(report.samples.length / 10)) === 0).map((x) => fmt.mb(x.rss)).join(', ')}`,
    );
  } finally {
    await worker.stop();
    const redis = new Redis(redisUrl);
    await redis.flushall();
    redis.disconnect();
  }
}

// ---------------------------------------------------------------- scaling

async function benchScaling(redisUrl: string) {
  const s = section(
    `Scaling: pipeline throughput vs existing contacts (seeded through the repository), concurrency ${LATENCY_CONCURRENCY}, ${P.scalingJobs} activities per round in intake jobs of 10 (the default path), ${P.rounds} rounds`,
  );
  // One process per size, all alive at once, taking turns with the smallest: 10k, 100k, 10k, 1M,
  // 10k, 100k, … (alternate()). Each store also keeps what its earlier rounds wrote.
  const [smallest, ...larger] = P.scaling as [number, ...number[]];
  const drainer = (seed: number) => startDrainer(`${fmt.int(seed)} contacts`, { impl: 'real', concurrency: LATENCY_CONCURRENCY, seed, redisUrl, via: 'intake', intakeItems: 10 });
  const ref = await drainer(smallest);
  const sizes: Drainer[] = [];
  try {
    for (const seed of larger) sizes.push(await drainer(seed));
    const { refs, runs } = await alternate(ref, sizes, P.rounds, P.scalingJobs);
    s.row({
      figure: `${fmt.int(smallest)} contacts, activities/s`,
      value: fmt.int(meanOf(refs, 'perSecond')),
      reference: `${refs.map((r) => fmt.int(r.perSecond)).join(', ')} (each round; slowest / fastest)`,
      ratio: fmt.ratio(Math.min(...refs.map((r) => r.perSecond)) / Math.max(...refs.map((r) => r.perSecond))),
      goal: '—',
      met: '',
    });
    const note = (seed: number, seedSeconds: number, rs: RoundResult[]) =>
      s.note(
        `${fmt.int(seed)}: seeded in ${seedSeconds.toFixed(1)} s; worker RSS ${fmt.mb(rs[0]!.rss.start)} → ${fmt.mb(rs[rs.length - 1]!.rss.end)}; worker CPU per activity ${fmt.int(meanOf(rs, 'cpuUsPerJob'))} µs (all threads; ${fmt.int(meanOf(rs, 'sysUsPerJob'))} µs of it in the kernel, ${meanOf(rs, 'pageFaultsPerJob').toFixed(1)} minor page faults)${rs.some((r) => r.failed) ? '; FAILED jobs' : ''}`,
      );
    note(smallest, ref.seedSeconds, refs);
    larger.forEach((seed, i) => {
      const { rounds, ratios } = runs[i]!;
      const ratio = median(ratios);
      const last = i === larger.length - 1;
      s.row({
        figure: `${fmt.int(seed)} contacts, activities/s`,
        value: `${fmt.int(meanOf(rounds, 'perSecond'))} (rounds ${rounds.map((r) => fmt.int(r.perSecond)).join(', ')})`,
        reference: `${fmt.int(smallest)} contacts, the rounds just before and after each`,
        ratio: `${fmt.ratio(ratio)} (median of ${ratiosText(ratios)})`,
        goal: last ? '≥ 0.90×' : '—',
        met: last ? met(ratio >= 0.9 && rounds.every((r) => r.failed === 0)) : '',
      });
      note(seed, sizes[i]!.seedSeconds, rounds);
    });
  } finally {
    await stopDrainers(redisUrl, [ref, ...sizes]);
  }
}

// ---------------------------------------------------------------- main

async function main() {
  const started = Date.now();
  const machine = machineInfo();
  console.log(`contactflow bench (${QUICK ? 'quick' : 'full'})`);
  for (const [k, v] of Object.entries(machine)) console.log(`  ${k}: ${v}`);
  const redisDir = tmpDir('redis');
  const redis = await startRedisServer({ dir: redisDir });
  REDIS_PID = redis.process.pid!;
  console.log(`  private redis-server: ${redis.url} (data in ${redisDir})`);
  try {
    if (ONLY.includes('intake')) await benchIntake(redis.url);
    if (ONLY.includes('pipeline')) await benchPipeline(redis.url);
    if (ONLY.includes('latency')) await benchLatency(redis.url);
    if (ONLY.includes('scaling')) await benchScaling(redis.url);
    if (PROFILE && ONLY.includes('intake')) await profileIntake(redis.url);
  } finally {
    await redis.stop();
    rmSync(redisDir, { recursive: true, force: true });
  }
  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  const md = report(machine, minutes);
  const dir = path.join(BENCH_ROOT, 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${machine.date!.slice(0, 16).replace(/[:T]/g, '-')}-${QUICK ? 'quick' : 'full'}.md`);
  writeFileSync(file, md);
  if (!QUICK && ONLY.length === 4) updateReadme(md);
  console.log(`\nwritten: ${path.relative(process.cwd(), file)}${!QUICK && ONLY.length === 4 ? ' and bench/README.md (latest full results)' : ''} — ${minutes} min`);
}

function report(machine: Record<string, string>, minutes: string): string {
  const out = [`### ${QUICK ? 'Quick' : 'Full'} run, ${machine.date}`, '', mdTable(['machine', ''], Object.entries(machine)), '', `Run time: ${minutes} min.`];
  for (const s of sections) {
    out.push('', `#### ${s.title}`, '');
    if (s.rows.length) out.push(mdTable(['figure', 'value', 'reference (same run)', 'ratio', 'goal', ''], s.rows.map((r) => [r.figure, r.value, r.reference, r.ratio, r.goal, r.met])), '');
    for (const n of s.notes) out.push(n.startsWith('```') ? n : `- ${n}`);
  }
  return out.join('\n') + '\n';
}

function updateReadme(md: string) {
  const file = path.join(BENCH_ROOT, 'README.md');
  const text = readFileSync(file, 'utf8');
  const start = '<!-- latest-full-results:start -->';
  const end = '<!-- latest-full-results:end -->';
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < a) return console.log('  (bench/README.md has no results markers; not updated)');
  writeFileSync(file, text.slice(0, a + start.length) + '\n\n' + md + '\n' + text.slice(b));
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
