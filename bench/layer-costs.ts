/**
 * What each of the intake's own layers costs, in server CPU µs per request, against the
 * `express.json()` reference on contactflow's HTTP server measured in the same run, and what that
 * server saves over a stock one (bench/layer-server.ts):
 *   npx tsx bench/layer-costs.ts [seconds per run, default 6]
 * Each layer alone, then all of them, then the reference again (to see the drift). Bounded: 127.0.0.1,
 * 32 connections, 2 s warm-up plus the given seconds per run.
 */
import autocannon from 'autocannon';
import { LOOPBACK, procCpuSeconds, spawnChild } from './lib/common';
/** The names bench/layer-server.ts knows, in the order of the intake's chain. */
const LAYERS = ['headers', 'context', 'metrics', 'json-check', 'validate', 'id'] as const;

const seconds = Number(process.argv[2] ?? 6);
const body = JSON.stringify({
  type: 'meeting.booked',
  occurredAt: new Date().toISOString(),
  email: 'ada@example.com',
  phone: '+1 415 555 0100',
  fields: { firstName: 'Ada', company: 'Analytical Engines Ltd', note: 'x'.repeat(150) },
});

async function measure(layers: string): Promise<{ rps: number; us: number }> {
  const child = spawnChild('layer-server.ts', [], { env: { LAYERS: layers, NODE_ENV: 'production' } });
  try {
    const { port } = await child.next<{ port: number }>('ready', 30_000);
    const opts = { url: `http://${LOOPBACK}:${port}/v1/activities`, method: 'POST' as const, body, headers: { 'content-type': 'application/json', 'idempotency-key': 'k1' }, connections: 32 };
    await autocannon({ ...opts, duration: 2 });
    const cpu0 = procCpuSeconds(child.proc.pid!);
    const r = await autocannon({ ...opts, duration: seconds });
    if (r.non2xx > 0) throw new Error(`${layers}: ${r.non2xx} answers were not 2xx`);
    return { rps: r.requests.average, us: ((procCpuSeconds(child.proc.pid!) - cpu0) * 1e6) / r.requests.total };
  } finally {
    await child.stop();
  }
}

async function main() {
  // The stock reference, then everything on contactflow's server ('born', as the app runs): the
  // born reference, each layer, all of them, the born reference again; the stock one last.
  const runs = ['', 'born', ...LAYERS.map((l) => `born,${l}`), `born,${LAYERS.join(',')}`, 'born', ''];
  const results: { layers: string; rps: number; us: number }[] = [];
  for (const layers of runs) {
    const r = await measure(layers);
    results.push({ layers, ...r });
    console.log(`${(layers || 'reference').padEnd(55)} ${Math.round(r.rps).toString().padStart(6)} req/s  ${r.us.toFixed(1).padStart(6)} µs/request`);
  }
  const stock = (results[0]!.us + results.at(-1)!.us) / 2;
  const born = (results[1]!.us + results.at(-2)!.us) / 2;
  console.log(`\nstock reference (mean of first and last) ${stock.toFixed(1)} µs; on contactflow's server ${born.toFixed(1)} µs`);
  console.log("each layer over the reference on contactflow's server:");
  for (const r of results.slice(2, -2)) console.log(`  ${r.layers.padEnd(55)} +${(r.us - born).toFixed(1)} µs`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
