/**
 * Summarizes a V8 .cpuprofile (node --cpu-prof): top functions by self time, and self time per
 * area (a node_modules package, a src/ file, node internals, GC / idle).
 *   npx tsx bench/profile-summary.ts <file.cpuprofile> [top=20]
 * Or two profiles of drains of the same number of jobs (e.g. the no-op and the real worker from
 * --profile-pipeline), self time per job by area side by side:
 *   npx tsx bench/profile-summary.ts --per-job <a.cpuprofile> <b.cpuprofile> <jobs>
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

function area(url: string, name: string): string {
  if (name === '(garbage collector)' || name === '(idle)' || name === '(program)') return name;
  const nm = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (nm) return nm[1]!;
  const src = url.match(/\/((?:src|bench)\/.*)$/);
  if (src) return src[1]!;
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  return url ? url : `(native) ${name}`;
}

/**
 * µs each sample stands for: the time until the next sample, as DevTools counts it. timeDeltas[i]
 * is the gap *before* sample i; using it put the profiler's start-up gap (tens of ms, before the
 * first tick) on whatever the first sample caught, e.g. inspector `dispatch`.
 */
function sampleWeights(p: CpuProfile): number[] {
  const n = p.samples.length;
  const weights = new Array<number>(n);
  let t = p.startTime;
  for (let i = 0; i < n; i++) t += p.timeDeltas[i] ?? 0;
  for (let i = 0; i < n; i++) weights[i] = i + 1 < n ? (p.timeDeltas[i + 1] ?? 0) : Math.max(0, p.endTime - t);
  return weights;
}

/** Self time (µs) per area, idle excluded. */
export function selfByArea(json: string): Map<string, number> {
  const p = JSON.parse(json) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const areas = new Map<string, number>();
  const weights = sampleWeights(p);
  p.samples.forEach((id, i) => {
    const { functionName, url } = byId.get(id)!.callFrame;
    if (functionName === '(idle)') return;
    const a = area(url, functionName || '(anonymous)');
    areas.set(a, (areas.get(a) ?? 0) + weights[i]!);
  });
  return areas;
}

/** Two profiles side by side: self µs per job by area, largest first, then the totals. */
export function comparePerJob(a: string, b: string, jobs: number): string {
  const [x, y] = [selfByArea(a), selfByArea(b)];
  const per = (m: Map<string, number>, k: string) => (m.get(k) ?? 0) / jobs;
  const keys = [...new Set([...x.keys(), ...y.keys()])].sort((k1, k2) => per(x, k2) + per(y, k2) - per(x, k1) - per(y, k1));
  const row = (name: string, u: string, v: string) => `${name.padEnd(54)} ${u.padStart(8)} ${v.padStart(8)}`;
  const lines = [row('self µs per job by area', 'first', 'second')];
  const us = (n: number) => n.toFixed(1);
  for (const k of keys) if (per(x, k) + per(y, k) >= 1) lines.push(row(k, us(per(x, k)), us(per(y, k))));
  const total = (m: Map<string, number>) => [...m.values()].reduce((s, t) => s + t, 0) / jobs;
  lines.push(row('total (main thread)', us(total(x)), us(total(y))));
  return lines.join('\n');
}

export function summarizeProfile(json: string, top = 20): { text: string } {
  const p = JSON.parse(json) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  const weights = sampleWeights(p);
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + weights[i]!));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const idle = [...self.entries()].filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)').reduce((a, [, t]) => a + t, 0);
  const busy = total - idle;

  const fns = new Map<string, number>();
  const areas = new Map<string, number>();
  for (const [id, t] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === '(idle)') continue;
    const name = functionName || '(anonymous)';
    const where = url ? `${area(url, name)}:${lineNumber + 1}` : '';
    const k = where ? `${name}  ${where}` : name;
    fns.set(k, (fns.get(k) ?? 0) + t);
    const a = area(url, name);
    areas.set(a, (areas.get(a) ?? 0) + t);
  }
  // Inclusive time: every sample counted once for each distinct src/ function or package on its
  // stack. Async continuations resume inside their own function, so an awaited step still shows up.
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map<string, number>();
  for (const [id, t] of self) {
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const { functionName, url, lineNumber } = byId.get(cur)!.callFrame;
      if (!url) continue;
      const a = area(url, functionName);
      const key = a.startsWith('src/') ? `${functionName || '(anonymous)'}  ${a}:${lineNumber + 1}` : a.startsWith('node:') ? '' : `[${a}]`;
      if (key) seen.add(key);
    }
    for (const k of seen) inclusive.set(k, (inclusive.get(k) ?? 0) + t);
  }
  const pct = (t: number) => `${((100 * t) / busy).toFixed(1).padStart(5)}%`;
  const lines = [`busy ${(busy / 1e6).toFixed(1)} s of ${(total / 1e6).toFixed(1)} s sampled (idle ${((100 * idle) / total).toFixed(0)}%); shares below are of busy time`, '', 'self time by area:'];
  for (const [a, t] of [...areas].sort((x, y) => y[1] - x[1]).slice(0, top)) lines.push(`  ${pct(t)}  ${a}`);
  lines.push('', 'top functions by self time:');
  for (const [f, t] of [...fns].sort((x, y) => y[1] - x[1]).slice(0, top)) lines.push(`  ${pct(t)}  ${f}`);
  lines.push('', 'inclusive time (self + callees) by src/ function and [package]:');
  for (const [f, t] of [...inclusive].sort((x, y) => y[1] - x[1]).slice(0, top * 2)) lines.push(`  ${pct(t)}  ${f}`);
  return { text: lines.join('\n') };
}

if (require.main === module && process.argv[2] === '--per-job') {
  const [a, b, jobs] = process.argv.slice(3);
  if (!a || !b || !(Number(jobs) > 0)) {
    console.error('usage: tsx bench/profile-summary.ts --per-job <a.cpuprofile> <b.cpuprofile> <jobs>');
    process.exit(2);
  }
  console.log(comparePerJob(readFileSync(a, 'utf8'), readFileSync(b, 'utf8'), Number(jobs)));
} else if (require.main === module) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: tsx bench/profile-summary.ts <file.cpuprofile> [top]');
    process.exit(2);
  }
  console.log(summarizeProfile(readFileSync(file, 'utf8'), Number(process.argv[3] ?? 20)).text);
}
