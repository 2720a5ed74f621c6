/**
 * Bytes allocated per activity by the use case (process-activity) on the in-memory store, without
 * Redis or BullMQ, and where they are allocated: V8's sampling heap profiler with collected objects
 * included, 10 activities in flight, 5,000 warm-up then 20,000 measured, each a new person (the
 * create path, the bench's activity shape). Writes /tmp/alloc.heapprofile (Chrome DevTools opens it).
 * Then 20,000 more keeping only what outlived a young GC: promoted garbage shows up there.
 *   npx tsx bench/alloc-profile.ts
 */
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
import { defaultIdentityPolicy } from '../src/domain';
import { createMemoryRepositories } from '../src/repositories/memory';
import { bootstrapAccount, createAccountCache } from '../src/services/accounts.service';
import { createProcessActivity } from '../src/services/process-activity.service';
import { benchJob } from './lib/activities';

async function main() {
  const repos = createMemoryRepositories();
  await bootstrapAccount(repos.accounts, { account: 'default', defaultCountry: 'US' });
  const policy = defaultIdentityPolicy({ defaultCountry: 'US' });
  const processActivity = createProcessActivity({
    repos, findAccount: createAccountCache(repos.accounts), identityPolicy: () => policy,
    mergeOptions: () => ({ fieldDefinitions: new Map(), recentLimit: 20, defaultCountry: 'US' }),
  });
  const run = async (from: number, n: number) => {
    const inflight: Promise<unknown>[] = [];
    for (let i = from; i < from + n; i++) {
      const j = benchJob('alloc', i, 0, new Date().toISOString());
      inflight.push(processActivity({ account: 'default', activityId: j.activityId, receivedAt: new Date(j.receivedAt), payload: j.payload, provider: null, reprocess: false }));
      if (inflight.length >= 10) await Promise.all(inflight.splice(0));
    }
    await Promise.all(inflight);
  };
  await run(0, 5000);
  const s = new Session(); s.connect();
  const profileOf = async (minorToo: boolean, from: number) => {
    await s.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: minorToo } as any);
    const t0 = performance.now();
    await run(from, 20000);
    const ms = performance.now() - t0;
    const { profile } = (await s.post('HeapProfiler.stopSampling')) as any;
    return { profile, ms };
  };
  const { profile, ms } = await profileOf(true, 5000);
  writeFileSync('/tmp/alloc.heapprofile', JSON.stringify(profile));
  // Self bytes by function (file:line), summed over the call tree.
  const byFunction = (p: any) => {
    const byFn = new Map<string, number>(); let total = 0;
    const walk = (n: any) => { const self = n.selfSize as number; total += self; const k = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.replace(/.*node_modules\//, '').replace(/.*\/work\/main\//, '')}:${n.callFrame.lineNumber}`; byFn.set(k, (byFn.get(k) ?? 0) + self); n.children.forEach(walk); };
    walk(p.head);
    return { byFn, total };
  };
  const all = byFunction(profile);
  console.log(`allocated ≈ ${(all.total / 20000 / 1024).toFixed(1)} KB per activity; ${(20000 / ms * 1000).toFixed(0)}/s`);
  [...all.byFn.entries()].sort((a, b) => b[1] - a[1]).slice(0, 30).forEach(([k, v]) => console.log(`${(v / 20000).toFixed(0).padStart(7)} B  ${k}`));
  // What outlived a young GC: the stored data, plus any garbage promoted on the way (the fourth
  // session found ≈ 6 KB per activity of it, bench/README.md). Ten activities in flight.
  const promoted = byFunction((await profileOf(false, 25000)).profile);
  console.log(`\noutlived a young GC ≈ ${(promoted.total / 20000 / 1024).toFixed(2)} KB per activity (the stored data is ≈ 0.8 KB)`);
  [...promoted.byFn.entries()].sort((a, b) => b[1] - a[1]).slice(0, 10).forEach(([k, v]) => console.log(`${(v / 20000).toFixed(0).padStart(7)} B  ${k}`));
}
main().catch((err) => {
  console.error(err);
  process.exit(1);
});
