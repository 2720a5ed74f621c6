import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * contactflow starts with node flags and one environment variable (docs/operations.md, "Node flags"
 * and "Huge pages") in two places: `npm start` and the image's ENV and CMD. The bench reads them from
 * package.json. They must not drift apart, node must accept the flags (a misspelled V8 flag stops
 * the process at start), and the environment must do what it is there for.
 */
const ROOT = path.resolve(__dirname, '../..');

function startScript(): { env: Record<string, string>; flags: string[] } {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const words = pkg.scripts.start.split(/\s+/);
  const env: Record<string, string> = {};
  while (/^[A-Z_][A-Z0-9_]*=/.test(words[0] ?? '')) {
    const [name, ...value] = words.shift()!.split('=');
    env[name!] = value.join('=');
  }
  const [node, ...rest] = words;
  expect(node).toBe('node');
  return { env, flags: rest.filter((a) => a.startsWith('--')) };
}

function dockerfile(): { env: Record<string, string>; flags: string[] } {
  const text = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
  const runtime = text.slice(text.lastIndexOf('\nFROM '));
  const cmd = runtime.match(/^CMD (\[.*\])$/m);
  expect(cmd).not.toBeNull();
  const [node, ...rest] = JSON.parse(cmd![1]!) as string[];
  expect(node).toBe('node');
  const env: Record<string, string> = {};
  for (const m of runtime.matchAll(/^ENV ([A-Z_][A-Z0-9_]*)=(\S+)$/gm)) if (m[1] !== 'NODE_ENV') env[m[1]!] = m[2]!;
  return { env, flags: rest.filter((a) => a.startsWith('--')) };
}

it('npm start and the Dockerfile start node with the same flags: the heap sizing and the V8 pool', () => {
  expect(startScript().flags).toEqual(expect.arrayContaining(['--initial-old-space-size=512', '--min-semi-space-size=64', '--max-semi-space-size=64', '--v8-pool-size=1']));
  expect(dockerfile().flags).toEqual(startScript().flags);
});

it('npm start and the Dockerfile set the same environment: glibc malloc asks for huge pages', () => {
  expect(startScript().env).toEqual({ GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' });
  expect(dockerfile().env).toEqual(startScript().env);
});

it('node accepts those flags', () => {
  const run = spawnSync(process.execPath, [...startScript().flags, '-e', 'process.exit(0)'], { encoding: 'utf8' });
  expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
});

/*
 * What the environment is for: the in-memory store's row chunks (large Buffers, mapped by glibc)
 * backed by 2 MB pages, so a growing store takes one page fault per 2 MB instead of one per 4 KB.
 * Only where the kernel offers transparent huge pages on request (madvise or always) and glibc
 * knows the tunable (2.35+; older ones ignore it): elsewhere the test says so and skips.
 */
const THP = '/sys/kernel/mm/transparent_hugepage/enabled';
const thpMode = existsSync(THP) ? /\[(\w+)\]/.exec(readFileSync(THP, 'utf8'))?.[1] : undefined;
const glibc = (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime;
const glibcOk = glibc !== undefined && Number(glibc.split('.')[0]) * 1000 + Number(glibc.split('.')[1]) >= 2035;
const canCheck = (thpMode === 'madvise' || thpMode === 'always') && glibcOk;
if (!canCheck) {
  console.warn(`SKIPPED: huge pages for malloc'd Buffers not checked here (transparent huge pages: ${thpMode ?? 'absent'}, glibc ${glibc ?? 'absent'}; needs madvise or always, and glibc 2.35+)`);
}

(canCheck ? it : it.skip)("with npm start's environment a 64 MB Buffer is backed by huge pages (without it, not unless the kernel gives them to everyone)", () => {
  const probe = [
    'const b = Buffer.allocUnsafeSlow(64 << 20); b.fill(1);',
    "const m = /AnonHugePages:\\s+(\\d+)/.exec(require('fs').readFileSync('/proc/self/smaps_rollup', 'utf8'));",
    'process.stdout.write(m[1]);',
  ].join('\n');
  const hugeKb = (env: Record<string, string>) => {
    const { GLIBC_TUNABLES: _inherited, ...rest } = process.env;
    const run = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8', env: { ...rest, ...env } });
    expect(run.stderr).toBe('');
    return Number(run.stdout);
  };
  // At least half of the Buffer: its unaligned head and tail cannot be huge pages.
  expect(hugeKb(startScript().env)).toBeGreaterThanOrEqual(32 * 1024);
  if (thpMode === 'madvise') expect(hugeKb({})).toBeLessThan(32 * 1024);
});
