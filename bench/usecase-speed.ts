/**
 * The use case alone: CPU µs per activity of process-activity on the in-memory store, without
 * Redis, BullMQ or a worker around it. Ten activities in flight; half create a contact, half match
 * one of 5,000 (the pipeline drain's mix). 5,000 warm-up, then three rounds of 20,000.
 *   npx tsx bench/usecase-speed.ts
 * Compare with the worker's CPU per job in the pipeline section: the difference is what running
 * inside the worker adds (bench/README.md, "Fifth session: the worker").
 */
import { defaultIdentityPolicy } from '../src/domain';
import { createMemoryRepositories } from '../src/repositories/memory';
import { bootstrapAccount, createAccountCache } from '../src/services/accounts.service';
import { createProcessActivity } from '../src/services/process-activity.service';
import { benchJob } from './lib/activities';

const MATCHABLE = 5000;

async function main() {
  const repos = createMemoryRepositories();
  await bootstrapAccount(repos.accounts, { account: 'default', defaultCountry: 'US' });
  const policy = defaultIdentityPolicy({ defaultCountry: 'US' });
  const processActivity = createProcessActivity({
    repos,
    findAccount: createAccountCache(repos.accounts),
    identityPolicy: () => policy,
    mergeOptions: () => ({ fieldDefinitions: new Map(), recentLimit: 20, defaultCountry: 'US' }),
  });
  const run = async (from: number, n: number) => {
    const inflight: Promise<unknown>[] = [];
    for (let i = from; i < from + n; i++) {
      // Odd i: one of MATCHABLE emails (created by the warm-up), even i: a new person.
      const j = benchJob('speed', i, MATCHABLE, new Date().toISOString());
      inflight.push(processActivity({ account: j.account, activityId: j.activityId, receivedAt: new Date(j.receivedAt), payload: j.payload, provider: null, reprocess: false }));
      if (inflight.length >= 10) await Promise.all(inflight.splice(0));
    }
    await Promise.all(inflight);
  };
  await run(0, 5000);
  for (let round = 0; round < 3; round++) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await run(5000 + round * 20_000, 20_000);
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    console.log(`${Math.round(20_000 / seconds).toLocaleString('en-US')} activities/s, ${((cpu.user + cpu.system) / 20_000).toFixed(1)} µs CPU per activity`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
