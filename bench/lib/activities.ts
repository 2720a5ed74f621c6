import { newContactState } from '../../src/domain';
import { activityIdFor, type ActivityJobData } from '../../src/jobs/activities.queue';
import type { Repositories } from '../../src/repositories';
import { toCanonicalActivity } from '../../src/services/canonical-activity';
import { newId } from '../../src/shared/ids';

/**
 * The activities the benchmarks send: a booked meeting with an email, a phone and a few captured
 * fields (~400 bytes of JSON), the shape the intake and the worker see most.
 */
export function activity(email: string, i: number, phone = true): Record<string, unknown> {
  return {
    type: 'meeting.booked',
    occurredAt: new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString(),
    source: 'bench',
    email,
    ...(phone ? { phone: `+1 415 ${200 + (i % 700)} ${String(i % 10_000).padStart(4, '0')}`, country: 'US' } : {}),
    fields: { firstName: 'Ada', lastName: `Lovelace ${i}`, company: 'Analytical Engines Ltd', utm_source: 'newsletter', plan: 'pro' },
    visitorId: `v_${i.toString(36)}_bench`,
  };
}

/** A contact that exists before the run (seeded straight into the store). */
export const seededEmail = (i: number) => `seed${i}@bench.example`;
/** An email nobody has yet. */
export const freshEmail = (run: string, i: number) => `new-${run}-${i}@bench.example`;

export const ACCOUNT = 'default';

/** Job i: even → a new person (create), odd → an existing seeded one (match + update). */
export function benchJob(run: string, i: number, seed: number, receivedAt: string): ActivityJobData {
  const email = seed > 0 && i % 2 === 1 ? seededEmail((i * 7919) % seed) : freshEmail(run, i);
  return { kind: 'activity', account: ACCOUNT, activityId: activityIdFor(ACCOUNT, `${run}:${i}`), receivedAt, payload: activity(email, i) };
}

/** Seeds contacts 0…n-1 (seededEmail) the way the worker would have created them, straight through the repository; seconds taken. */
export async function seedContacts(repos: Repositories, n: number): Promise<number> {
  const t0 = performance.now();
  const mergeOptions = { fieldDefinitions: new Map(), recentLimit: 20, defaultCountry: 'US' };
  // Ten at a time, as the worker creates contacts (WORKER_CONCURRENCY): seeding 2,000 at once kept
  // thousands of contact states alive across young GCs, and V8 then pretenured the allocation sites
  // that build them, so the measured drain allocated its short-lived contact states straight into
  // the old generation (slower young GCs, more old-generation growth): most of the 1M gap
  // (bench/README.md, "Eighth session"). MongoDB round trips are slower; its seeding stays wider.
  const chunk = repos.kind === 'memory' ? 10 : 500;
  for (let start = 0; start < n; start += chunk) {
    const batch: Promise<unknown>[] = [];
    for (let i = start; i < Math.min(n, start + chunk); i++) {
      const a = toCanonicalActivity(`act_seed${i}`, activity(seededEmail(i), i, false));
      const { state } = newContactState(seededEmail(i), null, a, mergeOptions);
      batch.push(repos.contacts.create({ id: newId('ct'), account: ACCOUNT, status: 'new', state }));
    }
    await Promise.all(batch);
  }
  return (performance.now() - t0) / 1000;
}
