/**
 * contactflow benchmarks: every figure beside its reference, measured in the same run, the two
 * taking turns in rounds (this machine drifts), the median of the per-round ratios reported.
 *
 *   npm run bench:quick   < 2 min; bench/results/<date>-quick.md
 *   npm run bench         ≈ 8 min; bench/results/<date>-full.md (and bench/README.md's table)
 *   --only=intake,ops,pipeline,scaling,latency   a subset (the report is still written)
 *
 * This process conducts and generates HTTP load (autocannon, and the paced client of the latency
 * figure); servers and workers run in child processes (intake-server.ts, bulk-reference.ts,
 * worker.ts, store-ops.ts) against a private redis-server on a free loopback port. Nothing targets
 * anything but 127.0.0.1, every load is bounded in time or count, and every child stops when asked,
 * on SIGTERM, or when this process goes away.
 */
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import http from 'node:http';
import os from 'node:os';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { startRedisServer } from '../src/infra/redis-server';
import { activity, freshEmail, mixPayload, SWITCHBOARD_PHONE, uniquePhone, type Mix } from './lib/activities';
import {
  BENCH_API_KEY,
  BENCH_ROOT,
  QUIET_API_KEY,
  buildChildren,
  benchEnv,
  flushRedis,
  fmt,
  LOOPBACK,
  machineInfo,
  mdTable,
  median,
  now,
  percentile,
  procCpuSeconds,
  sleep,
  spawnChild,
  stopChildren,
  tmpDir,
  type Child,
} from './lib/common';
import type { IntakeMode } from './intake-server';
import type { DataResult, KindResult } from './store-ops';
import type { Report, Round, WorkerArgs } from './worker';

const argv = process.argv.slice(2);
const QUICK = argv.includes('--quick');
const ALL = ['intake', 'ops', 'pipeline', 'scaling', 'latency'];
const ONLY = argv.find((a) => a.startsWith('--only='))?.slice(7).split(',') ?? ALL;

const P = QUICK
  ? { rounds: 3, warmup: 1.5, intakeSeconds: 1.25, batchSeconds: 1.25, connections: 32, batchConnections: 16, drainWarmup: 500, jobs: 2000, seed: 10_000, bigSeed: 100_000, dataActivities: 5000, saturationSeconds: 3, paceWarmup: 2, paceSeconds: 8 }
  : { rounds: 5, warmup: 3, intakeSeconds: 4, batchSeconds: 3, connections: 32, batchConnections: 16, drainWarmup: 3000, jobs: 10_000, seed: 10_000, bigSeed: 1_000_000, dataActivities: 20_000, saturationSeconds: 8, paceWarmup: 5, paceSeconds: 120 };
/** Worker concurrency of the pipeline, scaling and shared-phone figures. */
const CONCURRENCY = 50;
const machineCores = os.cpus().length;

// ------------------------------------------------------------------------------------ reporting

interface Row {
  figure: string;
  value: string;
  reference: string;
  ratio: string;
  goal: string;
  met: string;
}
const rows: Row[] = [];
const notes: string[] = [];
function row(r: Row) {
  rows.push(r);
  console.log(`  ${r.met || '·'} ${r.figure}: ${r.value} | reference ${r.reference} | ${r.ratio} | goal ${r.goal}`);
}
function note(n: string) {
  notes.push(n);
  console.log(`    ${n}`);
}
const met = (ok: boolean) => (ok ? '✅' : '❌');
const list = (xs: number[], f: (x: number) => string = fmt.int) => xs.map(f).join(', ');

let REDIS_PID = 0;
let prefixSeq = 0;
const freshPrefix = (name: string) => `{b${name}${(prefixSeq++).toString(36)}}`;

/**
 * Each round runs every subject once, in an order that rotates by one each round, so no subject
 * always runs first or right after the same neighbour.
 */
async function inRounds<S extends Record<string, () => Promise<unknown>>>(
  rounds: number,
  subjects: S,
  between?: () => Promise<void>,
): Promise<{ [K in keyof S]: Awaited<ReturnType<S[K]>>[] }> {
  const keys = Object.keys(subjects);
  const out: Record<string, unknown[]> = Object.fromEntries(keys.map((k) => [k, []]));
  for (let r = 0; r < rounds; r++) {
    for (let j = 0; j < keys.length; j++) {
      const k = keys[(r + j) % keys.length]!;
      out[k]!.push(await subjects[k]!());
      await between?.();
    }
  }
  return out as { [K in keyof S]: Awaited<ReturnType<S[K]>>[] };
}

/** Per-round ratios a[i] / b[i] and their median. */
function ratios(a: number[], b: number[]) {
  const each = a.map((x, i) => x / b[i]!);
  return { each, median: median(each) };
}
const ratioText = (r: { each: number[]; median: number }) => `${fmt.ratio(r.median)} (rounds ${list(r.each, (x) => x.toFixed(2))})`;

// ------------------------------------------------------------------------------------ intake

let requestSeq = 0;

interface LoadRun {
  rps: number;
  p50: number;
  p99: number;
  bad: number;
  /** CPU µs per 2xx request of each watched process. */
  cpuUs: number[];
}

async function load(o: { port: number; path: string; seconds: number; connections: number; body: (i: number) => string; pids: number[] }): Promise<LoadRun> {
  const cpu0 = o.pids.map(procCpuSeconds);
  const tag = `${process.pid}-${prefixSeq}`;
  const result = await autocannon({
    url: `http://${LOOPBACK}:${o.port}`,
    connections: o.connections,
    duration: o.seconds,
    sampleInt: 100,
    timeout: 10,
    requests: [
      {
        method: 'POST',
        path: o.path,
        setupRequest: (req) => {
          const i = requestSeq++;
          const headers = { 'content-type': 'application/json', authorization: `Bearer ${BENCH_API_KEY}`, 'idempotency-key': `ik-${tag}-${i}` };
          return { ...req, headers, body: o.body(i) };
        },
      },
    ],
  });
  const ok = result['2xx'];
  const bad = result.non2xx + result.errors + result.timeouts;
  if (bad > 0) console.log(`    ! ${o.path}: ${bad} of ${ok + bad} requests were not 2xx`);
  return { rps: ok / result.duration, p50: result.latency.p50, p99: result.latency.p99, bad, cpuUs: o.pids.map((pid, i) => ((procCpuSeconds(pid) - cpu0[i]!) * 1e6) / Math.max(1, ok)) };
}

type Server = { child: Child; port: number; prefix: string };

async function intakeServer(mode: IntakeMode, redisUrl: string, prefix = freshPrefix('i')): Promise<Server> {
  const child = spawnChild('intake-server.ts', { mode, env: benchEnv(redisUrl, prefix) });
  return { child, port: (await child.next<{ port: number }>('ready', 60_000)).port, prefix };
}

/** Returns the `app` server still running when `keepApp` (the latency figure's API). */
async function benchIntake(redisUrl: string, keepApp: boolean): Promise<Server | undefined> {
  console.log('\n## Intake');
  const [echo, echoCf, app, bulk] = await Promise.all([
    intakeServer('echo', redisUrl),
    intakeServer('echo-cf', redisUrl),
    intakeServer('app', redisUrl),
    (async () => {
      const child = spawnChild('bulk-reference.ts', { redisUrl, prefix: freshPrefix('k') });
      await child.next('ready', 60_000);
      return child;
    })(),
  ]);
  const flush = () => flushRedis(redisUrl);
  try {
    const unique = (i: number) => JSON.stringify(activity(freshEmail('in', i), i, { phone: uniquePhone(i % 7_000_000) }));
    const switchboard = (i: number) => JSON.stringify(activity(freshEmail('in', i), i, { phone: SWITCHBOARD_PHONE }));
    const single = (s: { port: number; child: Child }, body: (i: number) => string, seconds = P.intakeSeconds) =>
      load({ port: s.port, path: '/v1/activities', seconds, connections: P.connections, body, pids: [s.child.proc.pid!, REDIS_PID] });
    // Warm-up (compiled code, pools), all three at once: it is not measured.
    await Promise.all([echo, echoCf, app].map((s) => single(s, unique, P.warmup)));
    await flush();
    const runs = await inRounds(
      P.rounds,
      { echo: () => single(echo, unique), app: () => single(app, unique), switchboard: () => single(app, switchboard), echoCf: () => single(echoCf, unique) },
      flush,
    );
    const rps = (k: keyof typeof runs) => runs[k].map((r) => r.rps);
    const vsEcho = ratios(rps('app'), rps('echo'));
    row({
      figure: 'POST /v1/activities, req/s',
      value: `${fmt.int(median(rps('app')))} (rounds ${list(rps('app'))})`,
      reference: `${fmt.int(median(rps('echo')))}: Express 5 express.json() echo, stock http.createServer (rounds ${list(rps('echo'))})`,
      ratio: ratioText(vsEcho),
      goal: '≥ 0.80×',
      met: met(vsEcho.median >= 0.8 && runs.app.every((r) => r.bad === 0)),
    });
    const vsCf = ratios(rps('app'), rps('echoCf'));
    row({
      figure: "POST /v1/activities vs the echo on contactflow's HTTP server (the intake's own work)",
      value: fmt.int(median(rps('app'))),
      reference: `${fmt.int(median(rps('echoCf')))}: the same echo on createExpressHttpServer (rounds ${list(rps('echoCf'))})`,
      ratio: ratioText(vsCf),
      goal: '—',
      met: '',
    });
    const m = (k: keyof typeof runs, f: (r: LoadRun) => number) => median(runs[k].map(f));
    row({ figure: 'POST /v1/activities latency p50 / p99', value: `${fmt.ms(m('app', (r) => r.p50))} / ${fmt.ms(m('app', (r) => r.p99))}`, reference: `${fmt.ms(m('echo', (r) => r.p50))} / ${fmt.ms(m('echo', (r) => r.p99))} (echo)`, ratio: '—', goal: '—', met: '' });
    row({
      figure: 'POST /v1/activities CPU per request, server + redis-server',
      value: `${fmt.int(m('app', (r) => r.cpuUs[0]!))} + ${fmt.int(m('app', (r) => r.cpuUs[1]!))} µs`,
      reference: `${fmt.int(m('echo', (r) => r.cpuUs[0]!))} µs (echo), ${fmt.int(m('echoCf', (r) => r.cpuUs[0]!))} µs (echo on contactflow's server)`,
      ratio: '—',
      goal: '—',
      met: '',
    });
    const shared = ratios(rps('switchboard'), rps('app'));
    row({
      figure: 'shared phone: POST /v1/activities, every activity with one switchboard phone, req/s',
      value: `${fmt.int(median(rps('switchboard')))} (rounds ${list(rps('switchboard'))})`,
      reference: `${fmt.int(median(rps('app')))}: the same with a phone of its own each`,
      ratio: ratioText(shared),
      goal: '≥ 0.90×',
      met: met(shared.median >= 0.9 && runs.switchboard.every((r) => r.bad === 0)),
    });
    note(`intake: ${P.connections} connections, ${P.rounds} rounds of ${P.intakeSeconds} s per subject after a ${P.warmup} s warm-up each; a fresh email and Idempotency-Key per request; redis-server emptied after every run`);

    // Batch: 100 activities per request, each with its own idempotencyKey, against a bare addBulk.
    // Built once with a marker where the request number goes: a string join per request.
    const MARK = '@@n@@';
    const parts = JSON.stringify({
      activities: Array.from({ length: 100 }, (_, k) => ({ ...activity(freshEmail(`b${MARK}`, k), k, { phone: uniquePhone(k) }), idempotencyKey: `bk-${MARK}-${k}` })),
    }).split(MARK);
    const batchBody = (i: number) => parts.join(String(i));
    const batch = (seconds = P.batchSeconds) => load({ port: app.port, path: '/v1/activities/batch', seconds, connections: P.batchConnections, body: batchBody, pids: [app.child.proc.pid!, REDIS_PID] });
    const bare = async () => {
      const cpu0 = [procCpuSeconds(bulk.proc.pid!), procCpuSeconds(REDIS_PID)];
      bulk.send({ type: 'run', seconds: P.batchSeconds, concurrency: P.batchConnections });
      const r = await bulk.next<{ activities: number; seconds: number }>('ran', 60_000);
      return { perSecond: r.activities / r.seconds, cpuUs: [bulk.proc.pid!, REDIS_PID].map((pid, i) => ((procCpuSeconds(pid) - cpu0[i]!) * 1e6) / r.activities) };
    };
    await batch(1);
    await flush();
    const b = await inRounds(P.rounds, { bare, app: async () => batch() }, flush);
    const appPerSecond = b.app.map((r) => r.rps * 100);
    const barePerSecond = b.bare.map((r) => r.perSecond);
    const vsBulk = ratios(appPerSecond, barePerSecond);
    row({
      figure: 'POST /v1/activities/batch (100 per request), activities/s',
      value: `${fmt.int(median(appPerSecond))} (rounds ${list(appPerSecond)})`,
      reference: `${fmt.int(median(barePerSecond))}: bare queue.addBulk of the same jobs, same options (rounds ${list(barePerSecond)})`,
      ratio: ratioText(vsBulk),
      goal: '≥ 0.80×',
      met: met(vsBulk.median >= 0.8 && b.app.every((r) => r.bad === 0)),
    });
    note(
      `batch: ${P.batchConnections} connections / ${P.batchConnections} addBulk calls in flight, ${P.rounds} rounds of ${P.batchSeconds} s each; CPU per activity: server ${fmt.int(median(b.app.map((r) => r.cpuUs[0]! / 100)))} + redis-server ${fmt.int(median(b.app.map((r) => r.cpuUs[1]! / 100)))} µs, addBulk process ${fmt.int(median(b.bare.map((r) => r.cpuUs[0]!)))} + redis-server ${fmt.int(median(b.bare.map((r) => r.cpuUs[1]!)))} µs`,
    );
  } finally {
    await Promise.all([echo.child.stop(), echoCf.child.stop(), keepApp ? undefined : app.child.stop(), bulk.stop()]);
    await flush();
  }
  return keepApp ? app : undefined;
}

// ------------------------------------------------------------------------------------ store operations

let storeData: DataResult | undefined;

type StoreOps = { kinds: KindResult[]; data: DataResult };

async function startStoreOps(): Promise<StoreOps> {
  const child = spawnChild('store-ops.ts', { dataActivities: P.dataActivities, seed: P.seed }, { execArgv: ['--expose-gc'] });
  try {
    return await child.next<StoreOps>('result', 300_000);
  } finally {
    await child.stop();
  }
}

function benchStoreOps({ kinds, data }: StoreOps) {
  console.log('\n## Store operations per activity');
  storeData = data;
  const goals: Record<string, [number, number]> = { 'known contact (email + phone)': [5, 4], 'new contact (email + phone)': [6, 5] };
  const seq = (waves: string[][]) => waves.map((w) => w.join(' ∥ ')).join(' → ');
  for (const k of kinds) {
    const goal = goals[k.kind];
    row({
      figure: `store operations: ${k.kind}`,
      value: `${k.maxOps} in ${k.maxWaves} round trips`,
      reference: k.sequences.map((x) => `${seq(x.waves)}${k.sequences.length > 1 ? ` (${x.count} of ${k.activities})` : ''}`).join('; '),
      ratio: '—',
      goal: goal ? `≤ ${goal[0]} in ≤ ${goal[1]}` : '—',
      met: goal ? met(k.maxOps <= goal[0] && k.maxWaves <= goal[1]) : '',
    });
  }
  note(`store operations: ${kinds[0]!.activities} activities of each kind, one at a time, through createProcessActivity with a warm account cache; "round trips" are waves of calls (a call that starts while none is in flight opens one); the most a single activity took is shown`);
}

// ------------------------------------------------------------------------------------ workers

interface Drainer {
  child: Child;
  seedSeconds: number;
  drain(jobs: number, mix?: Mix, delayMs?: number): Promise<Round>;
}

async function startDrainer(label: string, args: Omit<WorkerArgs, 'redisUrl' | 'prefix' | 'warmup'>, redisUrl: string): Promise<Drainer> {
  const child = spawnChild('worker.ts', { ...args, redisUrl, prefix: freshPrefix('w'), warmup: P.drainWarmup } satisfies WorkerArgs);
  const { seedSeconds } = await child.next<{ seedSeconds: number }>('ready', 900_000);
  return {
    child,
    seedSeconds,
    async drain(jobs, mix = 'mixed', delayMs = 0) {
      child.send({ type: 'drain', jobs, mix, delayMs });
      const r = await child.next<Round>('round', 600_000);
      if (r.failed > 0) console.log(`    ! ${label}: ${r.failed} failed attempts in ${jobs} jobs`);
      await flushRedis(redisUrl);
      return r;
    },
  };
}

const perSecond = (rs: Round[]) => rs.map((r) => r.perSecond);

async function benchPipeline(noop: Drainer, real: Drainer) {
  console.log(`\n## Pipeline (worker concurrency ${CONCURRENCY})`);
  const runs = await inRounds(P.rounds, { real: () => real.drain(P.jobs), delayed: () => real.drain(P.jobs, 'mixed', 1), noop: () => noop.drain(P.jobs) });
  const hidden = ratios(perSecond(runs.delayed), perSecond(runs.real));
  row({
    figure: 'round trips hidden: activities/s with every store operation 1 ms late',
    value: `${fmt.int(median(perSecond(runs.delayed)))} (rounds ${list(perSecond(runs.delayed))})`,
    reference: `${fmt.int(median(perSecond(runs.real)))}: the same worker process without the delay (rounds ${list(perSecond(runs.real))})`,
    ratio: ratioText(hidden),
    goal: '≥ 0.80×',
    met: met(hidden.median >= 0.8 && [...runs.delayed, ...runs.real].every((r) => r.failed === 0)),
  });
  const cpu = ratios(
    runs.real.map((r) => r.cpuUsPerJob),
    runs.noop.map((r) => r.cpuUsPerJob),
  );
  row({
    figure: 'worker CPU per activity',
    value: `${fmt.int(median(runs.real.map((r) => r.cpuUsPerJob)))} µs`,
    reference: `${fmt.int(median(runs.noop.map((r) => r.cpuUsPerJob)))} µs per job: BullMQ worker with a no-op processor`,
    ratio: ratioText(cpu),
    goal: '—',
    met: '',
  });
  row({
    figure: 'worker activities/s',
    value: fmt.int(median(perSecond(runs.real))),
    reference: `${fmt.int(median(perSecond(runs.noop)))} jobs/s: the no-op worker (rounds ${list(perSecond(runs.noop))})`,
    ratio: ratioText(ratios(perSecond(runs.real), perSecond(runs.noop))),
    goal: '—',
    met: '',
  });
  note(
    `pipeline: ${P.rounds} rounds of ${fmt.int(P.jobs)} activities per worker, enqueued through the intake's producer while the worker is paused, timed from resume to the last completion; ${fmt.int(P.seed)} seeded contacts; mix: half new people, half seeded contacts, a phone each, a visitor id on every fourth; CPU = the worker process's, all threads`,
  );
}

async function benchScaling(small: Drainer, big: Drainer) {
  console.log('\n## Scaling');
  const runs = await inRounds(P.rounds, { small: () => small.drain(P.jobs), big: () => big.drain(P.jobs) });
  const r = ratios(perSecond(runs.big), perSecond(runs.small));
  row({
    figure: `${fmt.int(P.bigSeed)} existing contacts, activities/s${QUICK ? ' (quick run: 100k stands in for 1M)' : ''}`,
    value: `${fmt.int(median(perSecond(runs.big)))} (rounds ${list(perSecond(runs.big))})`,
    reference: `${fmt.int(median(perSecond(runs.small)))}: ${fmt.int(P.seed)} existing contacts (rounds ${list(perSecond(runs.small))})`,
    ratio: ratioText(r),
    goal: '≥ 0.90×',
    met: met(r.median >= 0.9 && [...runs.big, ...runs.small].every((x) => x.failed === 0)),
  });
  note(
    `scaling: ${fmt.int(P.bigSeed)} contacts seeded in ${big.seedSeconds.toFixed(1)} s; worker RSS ${fmt.mb(runs.big.at(-1)!.rssEnd)} (${fmt.int(P.seed)} contacts: ${fmt.mb(runs.small.at(-1)!.rssEnd)}); worker CPU per activity ${fmt.int(median(runs.big.map((x) => x.cpuUsPerJob)))} µs (${fmt.int(median(runs.small.map((x) => x.cpuUsPerJob)))} µs); the pipeline's mix, the known half spread over all seeded contacts`,
  );
}

async function benchSharedPhone(real: Drainer) {
  const runs = await inRounds(P.rounds, { unique: () => real.drain(P.jobs, 'unique'), switchboard: () => real.drain(P.jobs, 'switchboard') });
  const shared = ratios(perSecond(runs.switchboard), perSecond(runs.unique));
  row({
    figure: 'shared phone: pipeline, every activity a new person with one switchboard phone, activities/s',
    value: `${fmt.int(median(perSecond(runs.switchboard)))} (rounds ${list(perSecond(runs.switchboard))})`,
    reference: `${fmt.int(median(perSecond(runs.unique)))}: the same with a phone of its own each (rounds ${list(perSecond(runs.unique))})`,
    ratio: ratioText(shared),
    goal: '≥ 0.90×',
    met: met(shared.median >= 0.9 && [...runs.switchboard, ...runs.unique].every((x) => x.failed === 0)),
  });
  note(
    `shared phone: the switchboard number ends up on ${fmt.int(P.rounds * P.jobs)} contacts of one store; worker CPU per activity ${fmt.int(median(runs.switchboard.map((x) => x.cpuUsPerJob)))} µs (${fmt.int(median(runs.unique.map((x) => x.cpuUsPerJob)))} µs with phones of their own)`,
  );
}

// ------------------------------------------------------------------------------------ latency and long run

type Acked = [id: string, sent: number, acked: number];

/** One POST /v1/activities on a keep-alive agent: [id, sent, 202 received], or null when not accepted. */
function post(agent: http.Agent, port: number, payload: string, key = BENCH_API_KEY): Promise<Acked | null> {
  const sent = now();
  return new Promise((resolve) => {
    const req = http.request(
      { agent, host: LOOPBACK, port, method: 'POST', path: '/v1/activities', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'content-length': Buffer.byteLength(payload) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve(res.statusCode === 202 ? [(JSON.parse(text) as { id: string }).id, sent, now()] : null));
      },
    );
    req.on('error', () => resolve(null));
    req.end(payload);
  });
}

/** Open loop: every 5 ms, the POSTs the schedule says are due, whatever the replies do. */
async function paced(port: number, rate: number, seconds: number, body: (i: number) => string, key = BENCH_API_KEY): Promise<{ acked: Acked[]; errors: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const acked: Acked[] = [];
  let errors = 0;
  const pending: Promise<void>[] = [];
  const total = Math.round(rate * seconds);
  const t0 = now();
  let i = 0;
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const due = Math.min(total, Math.floor(((now() - t0) / 1000) * rate));
      for (; i < due; i++) pending.push(post(agent, port, body(requestSeq++), key).then((r) => void (r ? acked.push(r) : errors++)));
      if (i >= total) {
        clearInterval(tick);
        resolve();
      }
    }, 5);
  });
  await Promise.all(pending);
  agent.destroy();
  return { acked, errors };
}

/**
 * The end-to-end saturation of the paced path on this machine (client, API, Redis and worker
 * sharing its cores): 32 POSTing lanes that hold at most `backlog` accepted activities not yet
 * visible, so the worker never idles and the API never runs ahead of it. Activities made visible
 * per second over the window after its first second.
 */
async function saturate(port: number, seconds: number, body: (i: number) => string, visibleCount: () => number, backlog: number): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const t0 = now();
  const end = t0 + seconds * 1000;
  const base = visibleCount();
  let accepted = 0;
  const lane = async () => {
    while (now() < end) {
      if (accepted - (visibleCount() - base) >= backlog) {
        await sleep(2);
        continue;
      }
      if (await post(agent, port, body(requestSeq++))) accepted++;
    }
  };
  let from = NaN;
  const mark = setTimeout(() => (from = visibleCount()), 1000);
  await Promise.all(Array.from({ length: 32 }, lane));
  clearTimeout(mark);
  agent.destroy();
  return (visibleCount() - from) / ((now() - t0) / 1000 - 1);
}

/** The latency figure's API is the intake figure's `app` server, kept running; its worker starts here. */
interface LatencyPair {
  api: Server;
  worker: Child;
}

async function startLatencyWorker(redisUrl: string, prefix: string): Promise<Child> {
  const child = spawnChild('worker.ts', { impl: 'real', seed: P.seed, redisUrl, prefix, warmup: P.drainWarmup, track: true } satisfies WorkerArgs, { execArgv: ['--expose-gc'] });
  await child.next('ready', 300_000);
  return child;
}

/**
 * redis-server's own stalls: AOF rewrites (a fork each), writes held back by a slow fsync, and the
 * events its latency monitor saw above 20 ms (`reset`: start monitoring afresh).
 */
async function redisPersistence(redisUrl: string, reset = false): Promise<{ rewrites: number; delayedFsync: number; memory: number; events: string }> {
  const r = new Redis(redisUrl);
  try {
    if (reset) {
      await r.config('SET', 'latency-monitor-threshold', '20');
      await r.call('LATENCY', 'RESET');
    }
    const info = await r.info();
    const field = (k: string) => Number(new RegExp(`^${k}:(\\d+)`, 'm').exec(info)?.[1] ?? NaN);
    const latest = (await r.call('LATENCY', 'LATEST')) as [string, number, number, number][];
    const events = latest.map(([event, , , max]) => `${event} max ${max} ms`).join(', ') || 'none';
    return { rewrites: field('aof_rewrites'), delayedFsync: field('aof_delayed_fsync'), memory: field('used_memory'), events };
  } finally {
    r.disconnect();
  }
}

async function benchLatency(redisUrl: string, { api, worker }: LatencyPair) {
  const prefix = api.prefix;
  console.log('\n## Latency and long run');
  const visible = new Map<string, number>();
  worker.on('visible', (m: { entries: [string, number][] }) => {
    for (const [id, t] of m.entries) visible.set(id, t);
  });
  const allVisible = async (acked: Acked[]) => {
    const deadline = now() + 30_000;
    while (acked.some(([id]) => !visible.has(id)) && now() < deadline) await sleep(100);
  };
  try {
    await flushRedis(redisUrl);
    worker.send({ type: 'run' });
    await worker.next('running', 60_000);
    const body = (i: number) => JSON.stringify(mixPayload('mixed', `lat${prefix.replace(/\W/g, '')}`, i, P.seed, i % 7_000_000));
    const spids = [worker.proc.pid!, api.child.proc.pid!, REDIS_PID, process.pid];
    const scpu0 = spids.map(procCpuSeconds);
    const saturation = await saturate(api.port, P.saturationSeconds, body, () => visible.size, 1000);
    const scpu = spids.map((pid, i) => (procCpuSeconds(pid) - scpu0[i]!) / P.saturationSeconds);
    const rate = Math.round(saturation / 2);
    const warm = await paced(api.port, rate, P.paceWarmup, body);
    await allVisible(warm.acked);
    const pids = [worker.proc.pid!, api.child.proc.pid!, REDIS_PID, process.pid];
    worker.send({ type: 'loop-reset' });
    await worker.next('loop-reset', 30_000);
    const redis0 = await redisPersistence(redisUrl, true);
    const cpu0 = pids.map(procCpuSeconds);
    const t0 = now();
    // Which seconds of the run had an AOF rewrite (a forked child writing Redis out) in progress.
    const rewriting = new Set<number>();
    const poller = new Redis(redisUrl);
    const poll = setInterval(() => {
      const k = Math.floor((now() - t0) / 1000);
      void poller.info('persistence').then((i) => /aof_rewrite_in_progress:1/.test(i) && rewriting.add(k), () => {});
    }, 250);
    const { acked, errors } = await paced(api.port, rate, P.paceSeconds, body);
    clearInterval(poll);
    poller.disconnect();
    const wall = (now() - t0) / 1000;
    const cpu = pids.map((pid, i) => (procCpuSeconds(pid) - cpu0[i]!) / wall);
    const redis1 = await redisPersistence(redisUrl);
    await allVisible(acked);
    worker.send({ type: 'report' });
    const report = await worker.next<Report>('report', 60_000);

    const latencies = acked.filter(([id]) => visible.has(id)).map(([id, , at]) => visible.get(id)! - at).sort((a, b) => a - b);
    const missing = acked.length - latencies.length;
    const p99 = percentile(latencies, 99);
    row({
      figure: 'enqueue → contact visible, p50 / p99',
      value: `${fmt.ms(percentile(latencies, 50))} / ${fmt.ms(p99)} (max ${fmt.ms(latencies.at(-1) ?? NaN)})`,
      reference: `paced at ${fmt.int(rate)}/s, half of the ${fmt.int(saturation)}/s end-to-end saturation measured just before`,
      ratio: '—',
      goal: 'p99 ≤ 50 ms',
      met: met(p99 <= 50 && missing === 0 && errors === 0),
    });
    // The tail second by second (by the time of the 202), to tell a spread tail from a few stalls.
    const bySecond = new Map<number, number[]>();
    for (const [id, , at] of acked) {
      const v = visible.get(id);
      if (v === undefined) continue;
      const k = Math.floor((at - t0) / 1000);
      (bySecond.get(k) ?? bySecond.set(k, []).get(k)!).push(v - at);
    }
    const secondP99 = [...bySecond].map(([k, l]) => [k, percentile(l.sort((a, b) => a - b), 99)] as const);
    const over = secondP99.filter(([, p]) => p > 50);
    const worst = [...secondP99].sort((a, b) => b[1] - a[1]).slice(0, 5);
    // A backlog outlives the stall that made it: a second counts when a rewrite ran in it or the 2 s before.
    const nearRewrite = (k: number) => rewriting.has(k) || rewriting.has(k - 1) || rewriting.has(k - 2);
    const gcSeconds = new Set(report.majorGcs.map(([at]) => Math.floor((at - t0) / 1000)));
    const nearGc = (k: number) => gcSeconds.has(k) || gcSeconds.has(k - 1) || gcSeconds.has(k - 2);
    note(
      `latency tail: p99 per second of the paced run: median ${fmt.ms(median(secondP99.map(([, p]) => p)))}, ${over.length} of ${secondP99.length} seconds above 50 ms, ${over.filter(([k]) => nearRewrite(k)).length} of them during or up to 2 s after an AOF rewrite (${rewriting.size} seconds had one running; worst: ${worst.map(([k, p]) => `${fmt.ms(p)} at ${k} s`).join(', ')}); worker event loop late by p99 ${fmt.ms(report.loop.p99)}, max ${fmt.ms(report.loop.max)}; worker full GCs: ${report.majorGcs.length}, longest ${fmt.ms(Math.max(0, ...report.majorGcs.map(([, d]) => d)))}, ${over.filter(([k]) => nearGc(k)).length} of the seconds above 50 ms during or up to 2 s after one; redis-server: ${redis1.rewrites - redis0.rewrites} AOF rewrites (a fork each), ${redis1.delayedFsync - redis0.delayedFsync} writes delayed by fsync, events above 20 ms: ${redis1.events}; ${fmt.mb(redis1.memory)} used at the end`,
    );
    const ack = acked.map(([, sent, at]) => at - sent).sort((a, b) => a - b);
    note(
      `latency: from the 202 reaching the client to the activity's record turning final in the worker's store (its contact is written just before), on the machine's shared clock; ${fmt.int(acked.length)} activities POSTed over ${P.paceSeconds} s (open loop, after a ${P.paceWarmup} s warm-up) to a ROLE=api process, one ROLE=worker process at the default concurrency, ${fmt.int(P.seed)} seeded contacts; ${missing} not visible, ${errors} not accepted; POST → 202 p50 ${fmt.ms(percentile(ack, 50))} / p99 ${fmt.ms(percentile(ack, 99))}; CPU (cores of ${machineCores}): worker ${cpu[0]!.toFixed(2)}, api ${cpu[1]!.toFixed(2)}, redis-server ${cpu[2]!.toFixed(2)}, load client ${cpu[3]!.toFixed(2)}`,
    );
    note(
      `saturation: ${P.saturationSeconds} s of 32 closed-loop POSTing lanes holding at most 1,000 accepted activities not yet visible (the worker never idles, the queue stays bounded); everything shares the machine's cores, as in the paced run; CPU (cores): worker ${scpu[0]!.toFixed(2)}, api ${scpu[1]!.toFixed(2)}, redis-server ${scpu[2]!.toFixed(2)}, load client ${scpu[3]!.toFixed(2)}`,
    );
    const rss = report.rss.map((x) => x.rss);
    const stored = report.activities - report.activitiesAtRun;
    const expected = storeData ? storeData.bytesPerActivity * stored : NaN;
    const longRun = `${Math.round((report.rss.at(-1)!.t - report.rss[0]!.t) / 1000)} s`;
    row({
      figure: `worker RSS over the ${longRun} run (saturation and paced), start → end (max)`,
      value: `${fmt.mb(rss[0]!)} → ${fmt.mb(rss.at(-1)!)} (${fmt.mb(Math.max(...rss))})`,
      reference: `store at the end: ${fmt.int(report.activities)} activities, ${fmt.int(report.contacts)} contacts; ${fmt.int(stored)} activities added in the run${storeData ? `, ≈ ${fmt.mb(expected)} of store data` : ''}`,
      ratio: '—',
      goal: '—',
      met: '',
    });
    if (storeData) {
      const grown = report.heap.end - report.heap.start;
      const r = grown / expected;
      row({
        figure: `worker heap growth over the ${longRun} run (after full GCs)`,
        value: fmt.mb(grown),
        reference: `${fmt.mb(expected)}: ${fmt.int(stored)} activities × ${fmt.int(storeData.bytesPerActivity)} B, the store's own data per activity (use case alone, same mix)`,
        ratio: fmt.ratio(r),
        goal: '≤ 1.25× (only the store grows)',
        met: met(r <= 1.25),
      });
    }
    worker.send({ type: 'track' });
    await worker.next('tracking', 30_000);
    await benchNoisyNeighbour(api.port, visible, allVisible, prefix.replace(/\W/g, ''));
  } finally {
    await Promise.all([api.child.stop(), worker.stop()]);
    await flushRedis(redisUrl);
  }
}

/**
 * One account floods the intake (closed loop, as fast as the API takes it, so the workers fall
 * behind) while a quiet account sends a paced trickle: the quiet account's enqueue → visible p99,
 * against the same trickle alone just before. Fair order is what keeps it near the alone figure.
 */
async function benchNoisyNeighbour(port: number, visible: Map<string, number>, allVisible: (acked: Acked[]) => Promise<void>, tag: string) {
  const rate = 50;
  const seconds = QUICK ? 4 : 10;
  const quiet = (i: number) => JSON.stringify(mixPayload('mixed', `quiet${tag}`, i, P.seed, i % 7_000_000));
  const noisy = (i: number) => JSON.stringify(mixPayload('mixed', `noisy${tag}`, i, P.seed, i % 7_000_000));
  const latencies = (acked: Acked[]) => acked.filter(([id]) => visible.has(id)).map(([id, , at]) => visible.get(id)! - at).sort((a, b) => a - b);

  const alone = await paced(port, rate, seconds, quiet, QUIET_API_KEY);
  await allVisible(alone.acked);

  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  let flooding = true;
  let flooded = 0;
  const lanes = Array.from({ length: 16 }, async () => {
    while (flooding) if (await post(agent, port, noisy(requestSeq++))) flooded++;
  });
  await sleep(1000); // a backlog first
  const t0 = now();
  const during = await paced(port, rate, seconds, quiet, QUIET_API_KEY);
  const floodSeconds = (now() - t0) / 1000 + 1;
  flooding = false;
  await Promise.all(lanes);
  agent.destroy();
  await allVisible(during.acked);

  const a = latencies(alone.acked);
  const d = latencies(during.acked);
  const ratio = percentile(d, 99) / percentile(a, 99);
  const missing = alone.acked.length - a.length + during.acked.length - d.length;
  row({
    figure: 'noisy neighbour: a quiet account’s enqueue → visible p99 while another account floods',
    value: `${fmt.ms(percentile(d, 99))} (p50 ${fmt.ms(percentile(d, 50))})`,
    reference: `${fmt.ms(percentile(a, 99))} (p50 ${fmt.ms(percentile(a, 50))}): the same ${rate}/s trickle alone, just before`,
    ratio: fmt.ratio(ratio),
    goal: '≤ 2×',
    met: met(ratio <= 2 && missing === 0 && alone.errors + during.errors === 0),
  });
  note(
    `noisy neighbour: the quiet account posts ${rate}/s for ${seconds} s alone, then again while 16 closed-loop lanes of the bootstrap account post as fast as the API takes them (${fmt.int(flooded)} accepted in ${floodSeconds.toFixed(1)} s, more than the worker processes, so a backlog builds); ${missing} not visible, ${alone.errors + during.errors} not accepted`,
  );
}

// ------------------------------------------------------------------------------------ main

async function main() {
  const started = Date.now();
  const machine = machineInfo();
  console.log(`contactflow bench (${QUICK ? 'quick' : 'full'})`);
  console.log(`  ${Object.entries(machine).map(([k, v]) => `${k}: ${v}`).join('; ')}`);
  buildChildren(['intake-server.ts', 'bulk-reference.ts', 'worker.ts', 'store-ops.ts']);
  const redisDir = tmpDir('redis');
  const redis = await startRedisServer({ dir: redisDir });
  REDIS_PID = redis.process.pid!;
  // redis-server goes when this process goes, however it goes (SIGKILL included): a watchdog in
  // its own process group ends it, then itself.
  spawn('sh', ['-c', `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; kill ${REDIS_PID} 2>/dev/null`], { stdio: 'ignore', detached: true }).unref();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void stopChildren().finally(() => process.exit(130)));
  }
  try {
    const timed = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
      const t0 = Date.now();
      const out = await fn();
      console.log(`  (${name}: ${Math.round((Date.now() - t0) / 1000)} s)`);
      return out;
    };
    const has = (x: string) => ONLY.includes(x);
    const intakeApp = has('intake') ? await timed('intake', () => benchIntake(redis.url, has('latency'))) : undefined;
    // Every other process starts at once (start-ups, seeding and warm-ups are not measured); each
    // figure then runs with the others idle: a paused worker does no work.
    const children = await timed('start-up', () =>
      Promise.all([
        has('ops') || has('latency') ? startStoreOps() : undefined,
        has('pipeline') ? startDrainer('no-op', { impl: 'noop', concurrency: CONCURRENCY, seed: 0 }, redis.url) : undefined,
        has('pipeline') || has('scaling') ? startDrainer('real', { impl: 'real', concurrency: CONCURRENCY, seed: P.seed }, redis.url) : undefined,
        has('scaling') ? startDrainer('big', { impl: 'real', concurrency: CONCURRENCY, seed: P.bigSeed }, redis.url) : undefined,
        has('latency')
          ? (async (): Promise<LatencyPair> => {
              const api = intakeApp ?? (await intakeServer('app', redis.url));
              return { api, worker: await startLatencyWorker(redis.url, api.prefix) };
            })()
          : undefined,
      ]),
    );
    const [ops, noop, real, big, pair] = children;
    if (ops) benchStoreOps(ops);
    if (noop && real) await timed('pipeline', () => benchPipeline(noop, real));
    await noop?.child.stop();
    if (real && big) await timed('scaling', () => benchScaling(real, big));
    await big?.child.stop();
    if (real && has('scaling')) await timed('shared phone', () => benchSharedPhone(real));
    await real?.child.stop();
    if (pair) await timed('latency', () => benchLatency(redis.url, pair));
  } finally {
    await stopChildren();
    await redis.stop();
    rmSync(redisDir, { recursive: true, force: true });
  }
  const seconds = Math.round((Date.now() - started) / 1000);
  const kind = QUICK ? 'quick' : 'full';
  const table = mdTable(['figure', 'value', 'reference (same run)', 'ratio', 'goal', 'met'], rows.map((r) => [r.figure, r.value, r.reference, r.ratio, r.goal, r.met]));
  const md = [
    `# ${QUICK ? 'Quick' : 'Full'} run, ${machine.date}`,
    '',
    `Wall clock: ${seconds} s. ${ONLY.length < ALL.length ? `Only: ${ONLY.join(', ')}.` : ''}`,
    '',
    table,
    '',
    ...notes.map((n) => `- ${n}`),
    '',
    mdTable(['machine', ''], Object.entries(machine)),
    '',
  ].join('\n');
  const dir = path.join(BENCH_ROOT, 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${machine.date!.slice(0, 16).replace(/[:T]/g, '-')}-${kind}.md`);
  // Only the latest run of each kind is kept.
  for (const f of readdirSync(dir)) if (f.endsWith(`-${kind}.md`)) rmSync(path.join(dir, f));
  writeFileSync(file, md);
  if (!QUICK && ONLY.length === ALL.length) updateReadme(kind, `${machine.date!.slice(0, 10)}, ${machine.cores} cores (${machine.cpu}), wall clock ${seconds} s:\n\n${table}`);
  console.log(`\nwritten: ${path.relative(process.cwd(), file)} — ${seconds} s`);
}

/** Replaces the block between <!-- results:<kind> --> markers in bench/README.md. */
function updateReadme(kind: string, text: string) {
  const file = path.join(BENCH_ROOT, 'README.md');
  const readme = readFileSync(file, 'utf8');
  const start = `<!-- results:${kind}:start -->`;
  const end = `<!-- results:${kind}:end -->`;
  const a = readme.indexOf(start);
  const b = readme.indexOf(end);
  if (a < 0 || b < a) return;
  writeFileSync(file, `${readme.slice(0, a + start.length)}\n${text}\n${readme.slice(b)}`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
