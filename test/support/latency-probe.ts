import { spawn } from 'node:child_process';

/** A bare node HTTP server in its own process: what a trivial answer costs on this machine right now. */
const CONTROL = `
const s = require('http').createServer((q, r) => r.end('ok'));
s.listen(0, '127.0.0.1', () => process.stdout.write(String(s.address().port) + '\\n'));
process.on('SIGTERM', () => process.exit(0));
`;

const PROBE = `
const http = require('http');
const { spawn } = require('child_process');
const port = Number(process.argv[1]);
const app = [], control = [];
let stop = false;
process.on('SIGTERM', () => (stop = true));
const once = (p, path) => new Promise((resolve) => {
  const t = process.hrtime.bigint();
  const r = http.get({ host: '127.0.0.1', port: p, path, agent: false }, (res) => {
    res.resume();
    res.on('end', () => resolve(res.statusCode === 200 ? Number(process.hrtime.bigint() - t) / 1e6 : -res.statusCode));
  });
  r.on('error', () => resolve(-1));
  r.setTimeout(5000, () => { r.destroy(); resolve(5000); });
});
const ctl = spawn(process.execPath, ['-e', process.argv[2]], { stdio: ['ignore', 'pipe', 'inherit'] });
ctl.stdout.once('data', async (d) => {
  const controlPort = Number(String(d).trim());
  while (!stop) {
    app.push(await once(port, '/healthz'));
    control.push(await once(controlPort, '/'));
    await new Promise((r) => setTimeout(r, 20));
  }
  ctl.kill('SIGTERM');
  process.stdout.write(JSON.stringify({ app, control }));
});
`;

export interface Latencies {
  samples: number;
  failures: number;
  p50: number;
  p99: number;
  max: number;
}
export interface LatencyReport extends Latencies {
  /** The same measure of a bare node HTTP server on the same machine at the same moments. */
  control: Latencies;
}

/**
 * Polls GET /healthz every 20 ms from a separate process (so the test's own work does not skew the
 * measure) until `stop()`, alternating with a bare HTTP server in another process (the control):
 * latencies in ms, a failed probe (error, non-200) counted apart.
 */
export function startLatencyProbe(port: number): { stop(): Promise<LatencyReport> } {
  const child = spawn(process.execPath, ['-e', PROBE, String(port), CONTROL], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  const exited = new Promise((r) => child.on('exit', r));
  return {
    async stop() {
      child.kill('SIGTERM');
      await exited;
      const { app, control } = JSON.parse(out || '{"app":[],"control":[]}') as { app: number[]; control: number[] };
      return { ...summary(app), control: summary(control) };
    },
  };
}

function summary(all: number[]): Latencies {
  const ok = all.filter((x) => x >= 0).sort((a, b) => a - b);
  const q = (p: number) => ok[Math.min(ok.length - 1, Math.floor(p * ok.length))] ?? NaN;
  return { samples: all.length, failures: all.length - ok.length, p50: round(q(0.5)), p99: round(q(0.99)), max: round(ok.at(-1) ?? NaN) };
}

const round = (x: number) => Math.round(x * 10) / 10;
