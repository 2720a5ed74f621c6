import { spawn } from 'node:child_process';

const PROBE = `
const http = require('http');
const port = Number(process.argv[1]);
const lat = [];
let stop = false;
process.on('SIGTERM', () => (stop = true));
const once = () => new Promise((resolve) => {
  const t = process.hrtime.bigint();
  const r = http.get({ host: '127.0.0.1', port, path: '/healthz', agent: false }, (res) => {
    res.resume();
    res.on('end', () => resolve(res.statusCode === 200 ? Number(process.hrtime.bigint() - t) / 1e6 : -res.statusCode));
  });
  r.on('error', () => resolve(-1));
  r.setTimeout(5000, () => { r.destroy(); resolve(5000); });
});
(async () => {
  while (!stop) { lat.push(await once()); await new Promise((r) => setTimeout(r, 20)); }
  process.stdout.write(JSON.stringify(lat));
})();
`;

export interface LatencyReport {
  samples: number;
  failures: number;
  p50: number;
  p99: number;
  max: number;
}

/**
 * Polls GET /healthz every 20 ms from a separate process (so the test's own work does not skew the
 * measure) until `stop()`; latencies in ms, a failed probe (error, non-200) counted apart.
 */
export function startLatencyProbe(port: number): { stop(): Promise<LatencyReport> } {
  const child = spawn(process.execPath, ['-e', PROBE, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  const exited = new Promise((r) => child.on('exit', r));
  return {
    async stop() {
      child.kill('SIGTERM');
      await exited;
      const all = JSON.parse(out || '[]') as number[];
      const ok = all.filter((x) => x >= 0).sort((a, b) => a - b);
      const q = (p: number) => ok[Math.min(ok.length - 1, Math.floor(p * ok.length))] ?? NaN;
      return { samples: all.length, failures: all.length - ok.length, p50: round(q(0.5)), p99: round(q(0.99)), max: round(ok.at(-1) ?? NaN) };
    },
  };
}

const round = (x: number) => Math.round(x * 10) / 10;
