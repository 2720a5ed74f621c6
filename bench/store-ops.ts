/**
 * Store operations per activity, and the store's own data per activity, in their own process
 * (run with --expose-gc for the second part). No Redis, no BullMQ: the worker's use case alone.
 *
 * 1. Operations: activities of each kind run one at a time through createProcessActivity (wired as
 *    src/start.ts wires it, account cache included) on an in-memory store behind a counting
 *    wrapper (lib/instrumented-repos.ts). Per activity: the operations by `repository.method` and
 *    the sequential round trips ("waves") they take.
 * 2. Store data: heap after a full GC before and after `dataActivities` activities of the
 *    pipeline's mix (20 in flight, as a worker runs them), per activity. The long run compares the
 *    worker's heap growth with it.
 * Args: { dataActivities, seed }. Sends {type:'result', kinds, data}.
 */
import { defaultIdentityPolicy, type MergeOptions } from '../src/domain';
import type { Account, Repositories } from '../src/repositories';
import { createMemoryRepositories } from '../src/repositories/memory';
import { bootstrapAccount, createAccountCache } from '../src/services/accounts.service';
import { createProcessActivity, type ProcessActivityInput } from '../src/services/process-activity.service';
import { activity, ACCOUNT, freshEmail, mixPayload, seededEmail, seedContacts, uniquePhone } from './lib/activities';
import { childArgs, die, send } from './lib/common';
import { countingRepositories } from './lib/instrumented-repos';

export interface KindResult {
  kind: string;
  activities: number;
  /** Most operations / waves one activity of the kind took. */
  maxOps: number;
  maxWaves: number;
  /** Each distinct sequence seen, with how many activities took it. */
  sequences: { waves: string[][]; count: number }[];
  resolutions: string[];
}

export interface DataResult {
  activities: number;
  contactsCreated: number;
  bytesPerActivity: number;
}

const PER_KIND = 50;

function useCase(repos: Repositories) {
  const mergeOptions = new WeakMap<Account, MergeOptions>();
  return createProcessActivity({
    repos,
    findAccount: createAccountCache(repos.accounts),
    identityPolicy: (a) => defaultIdentityPolicy({ defaultCountry: a.defaultCountry }),
    mergeOptions: (a) => {
      let o = mergeOptions.get(a);
      if (!o) mergeOptions.set(a, (o = { fieldDefinitions: new Map(a.fieldDefinitions.map((d) => [d.key, d])), recentLimit: 20, defaultCountry: a.defaultCountry }));
      return o;
    },
  });
}

async function countOperations(): Promise<KindResult[]> {
  const raw = createMemoryRepositories();
  await bootstrapAccount(raw.accounts, { account: ACCOUNT, defaultCountry: 'US' });
  await seedContacts(raw, 1000);
  const counting = countingRepositories(raw);
  const processActivity = useCase(counting.repos);
  const input = (id: string, payload: unknown): ProcessActivityInput => ({ account: ACCOUNT, activityId: id, receivedAt: new Date(), payload });
  // The account cache is warm in a running worker: one activity off the record fills it.
  await processActivity(input('act_warm', activity(freshEmail('warm', 0), 0)));
  counting.take();

  const kinds: [string, (i: number) => ProcessActivityInput][] = [
    ['new contact (email + phone)', (i) => input(`act_new${i}`, activity(freshEmail('ops', i), i, { phone: uniquePhone(i) }))],
    ['known contact (email + phone)', (i) => input(`act_known${i}`, activity(seededEmail(i), i, { phone: uniquePhone(1000 + i) }))],
    ['new contact + visitor id', (i) => input(`act_newv${i}`, activity(freshEmail('opsv', i), i, { phone: uniquePhone(2000 + i), visitorId: `v_new_${i}` }))],
    ['known contact + visitor id', (i) => input(`act_knownv${i}`, activity(seededEmail(500 + i), i, { phone: uniquePhone(3000 + i), visitorId: `v_known_${i}` }))],
    // The same job again (retry after a crash past the final write, replay, late redelivery).
    ['redelivery of a recorded activity', (i) => input(`act_new${i}`, activity(freshEmail('ops', i), i, { phone: uniquePhone(i) }))],
  ];
  const results: KindResult[] = [];
  for (const [kind, make] of kinds) {
    const sequences = new Map<string, { waves: string[][]; count: number }>();
    const resolutions = new Set<string>();
    let maxOps = 0;
    let maxWaves = 0;
    for (let i = 0; i < PER_KIND; i++) {
      const r = await processActivity(make(i));
      resolutions.add(r.resolution);
      const waves = counting.take();
      maxOps = Math.max(maxOps, waves.flat().length);
      maxWaves = Math.max(maxWaves, waves.length);
      const key = JSON.stringify(waves);
      const seen = sequences.get(key) ?? sequences.set(key, { waves, count: 0 }).get(key)!;
      seen.count++;
    }
    results.push({ kind, activities: PER_KIND, maxOps, maxWaves, sequences: [...sequences.values()].sort((a, b) => b.count - a.count), resolutions: [...resolutions] });
  }
  return results;
}

async function storeData(n: number, seed: number): Promise<DataResult> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('store-ops needs --expose-gc');
  const repos = createMemoryRepositories();
  await bootstrapAccount(repos.accounts, { account: ACCOUNT, defaultCountry: 'US' });
  await seedContacts(repos, seed);
  const processActivity = useCase(repos);
  const receivedAt = new Date();
  const run = async (tag: string, from: number, count: number) => {
    let next = from;
    const lane = async () => {
      while (next < from + count) {
        const i = next++;
        await processActivity({ account: ACCOUNT, activityId: `act_${tag}${i}`, receivedAt, payload: mixPayload('mixed', tag, i, seed, i) });
      }
    };
    await Promise.all(Array.from({ length: 20 }, lane));
  };
  await run('warm', 0, 1000); // compiled code and caches first, so only data remains between the readings
  gc();
  const contacts0 = await repos.contacts.count(ACCOUNT);
  const heap0 = process.memoryUsage().heapUsed;
  await run('data', 1000, n);
  gc();
  const heap1 = process.memoryUsage().heapUsed;
  return { activities: n, contactsCreated: (await repos.contacts.count(ACCOUNT)) - contacts0, bytesPerActivity: (heap1 - heap0) / n };
}

async function main({ dataActivities, seed }: { dataActivities: number; seed: number }) {
  const kinds = await countOperations();
  const data = await storeData(dataActivities, seed);
  await send({ type: 'result', kinds, data });
  process.exit(0);
}

main(childArgs()).catch(die('store-ops'));
