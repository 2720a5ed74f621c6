/**
 * The use case alone against a store of N existing contacts: CPU µs per activity (user and kernel)
 * over three rounds of 10,000, after 2,000 warm-up and a forced GC. No Redis, BullMQ or worker, so
 * it tells whether a scaling gap is the store's (indexes, row decoding) or the worker's
 * (bench/README.md, "Seventh session", 5). Same mix as the drains: half the activities match one of
 * the N seeded contacts, half create one.
 *   node --expose-gc --import tsx bench/usecase-scaling.ts 1000000   (add npm start's node flags to compare like for like)
 */
import { defaultIdentityPolicy } from '../src/domain';
import { createMemoryRepositories } from '../src/repositories/memory';
import { bootstrapAccount, createAccountCache } from '../src/services/accounts.service';
import { createProcessActivity } from '../src/services/process-activity.service';
import { ACCOUNT, benchJob, seedContacts } from './lib/activities';

const ROUND = 10_000;

async function main() {
  const contacts = Number(process.argv[2] ?? 10_000);
  const repos = createMemoryRepositories();
  await bootstrapAccount(repos.accounts, { account: ACCOUNT, defaultCountry: 'US' });
  const seconds = await seedContacts(repos, contacts);
  const mergeOptions = { fieldDefinitions: new Map(), recentLimit: 20, defaultCountry: 'US' };
  const policy = defaultIdentityPolicy({ defaultCountry: 'US' });
  const processActivity = createProcessActivity({
    repos,
    findAccount: createAccountCache(repos.accounts),
    identityPolicy: () => policy,
    mergeOptions: () => mergeOptions,
  });
  const run = async (from: number, n: number) => {
    const inflight: Promise<unknown>[] = [];
    for (let i = from; i < from + n; i++) {
      const j = benchJob('scaling', i, contacts, new Date().toISOString());
      inflight.push(processActivity({ account: j.account, activityId: j.activityId, receivedAt: new Date(j.receivedAt), payload: j.payload, provider: null, reprocess: false }));
      if (inflight.length >= 10) await Promise.all(inflight.splice(0));
    }
    await Promise.all(inflight);
  };
  console.log(`${contacts} contacts seeded in ${seconds.toFixed(1)} s`);
  await run(0, 2000);
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  // With the contacts in typed arrays and row bytes, the heap barely grows with N; the bytes are external.
  console.log(`after a GC: heap used ${(m.heapUsed / 1e6).toFixed(0)} MB, external ${(m.external / 1e6).toFixed(0)} MB, RSS ${(m.rss / 1e6).toFixed(0)} MB`);
  for (let round = 0; round < 3; round++) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await run(ROUND * (round + 1), ROUND);
    const cpu = process.cpuUsage(cpu0);
    const perSecond = ROUND / ((performance.now() - t0) / 1000);
    console.log(`round ${round + 1}: ${Math.round(perSecond).toLocaleString('en-US')} activities/s, ${(cpu.user / ROUND).toFixed(1)} µs user + ${(cpu.system / ROUND).toFixed(1)} µs kernel per activity`);
  }
  // Keeps the store reachable until here: otherwise V8 may collect it before the last round.
  console.log(`${await repos.contacts.count(ACCOUNT)} contacts at the end`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
