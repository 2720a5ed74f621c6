import { DEFAULT_FIELD_DEFINITIONS, newContactState } from '../../src/domain';
import { activityIdFor, type ActivityJobData } from '../../src/jobs/activities.queue';
import type { Repositories } from '../../src/repositories';
import { toCanonicalActivity } from '../../src/services/canonical-activity';
import { newId } from '../../src/shared/ids';

export const ACCOUNT = 'default';
/** One number every activity of the shared-phone figure carries (a company switchboard). */
export const SWITCHBOARD_PHONE = '+1 212 555 0100';

/**
 * What the activities carry:
 *   mixed:       the pipeline's mix. Even i: a new person; odd i: a contact that exists (seeded);
 *                every activity has a phone of its own; every fourth carries a visitor id.
 *   unique:      a new person (fresh email) with a phone of its own.
 *   switchboard: a new person (fresh email) with SWITCHBOARD_PHONE.
 */
export type Mix = 'mixed' | 'unique' | 'switchboard';

/** A phone number of its own for each n < 7,000,000 (valid, US). */
export const uniquePhone = (n: number) => `+1 415 ${200 + (Math.floor(n / 10_000) % 700)} ${String(n % 10_000).padStart(4, '0')}`;
/** A contact that exists before the run (seeded straight into the store). */
export const seededEmail = (i: number) => `seed${i}@bench.example`;
/** An email nobody has yet. */
export const freshEmail = (run: string, i: number) => `new-${run}-${i}@bench.example`;

/**
 * A booked meeting with an email, a phone and a few captured fields (≈ 400 bytes of JSON): the
 * shape the intake and the worker see most.
 */
export function activity(email: string | null, i: number, opts: { phone?: string | null; visitorId?: string | null } = {}): Record<string, unknown> {
  return {
    type: 'meeting.booked',
    occurredAt: new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString(),
    source: 'bench',
    ...(email ? { email } : {}),
    ...(opts.phone ? { phone: opts.phone, country: 'US' } : {}),
    fields: { firstName: 'Ada', lastName: `Lovelace ${i}`, company: 'Analytical Engines Ltd', utm_source: 'newsletter', plan: 'pro' },
    ...(opts.visitorId ? { visitorId: opts.visitorId } : {}),
  };
}

/** The payload of activity i of a run (`n` numbers its phone: unique per process and run). */
export function mixPayload(mix: Mix, run: string, i: number, seed: number, n: number): Record<string, unknown> {
  if (mix === 'switchboard') return activity(freshEmail(run, i), i, { phone: SWITCHBOARD_PHONE });
  if (mix === 'unique') return activity(freshEmail(run, i), i, { phone: uniquePhone(n) });
  const known = seed > 0 && i % 2 === 1;
  return activity(known ? seededEmail((i * 7919) % seed) : freshEmail(run, i), i, {
    phone: uniquePhone(n),
    visitorId: i % 4 === 0 ? `v_${run}_${i}` : null,
  });
}

/** The job the intake would enqueue for mixPayload(…). */
export function mixJob(mix: Mix, run: string, i: number, seed: number, n: number, receivedAt: string): ActivityJobData {
  return { kind: 'activity', account: ACCOUNT, activityId: activityIdFor(ACCOUNT, `${run}:${i}`), receivedAt, payload: mixPayload(mix, run, i, seed, n) };
}

/**
 * Seeds contacts 0…n-1 (seededEmail, no phone) the way the worker creates them, straight through
 * the repository, ten at a time (as a worker does); seconds taken.
 */
export async function seedContacts(repos: Repositories, n: number): Promise<number> {
  const t0 = performance.now();
  const mergeOptions = { fieldDefinitions: new Map(DEFAULT_FIELD_DEFINITIONS.map((d) => [d.key, d])), recentLimit: 20, defaultCountry: 'US' };
  for (let start = 0; start < n; start += 10) {
    const batch: Promise<unknown>[] = [];
    for (let i = start; i < Math.min(n, start + 10); i++) {
      const a = toCanonicalActivity(`act_seed${i}`, activity(seededEmail(i), i));
      const { state } = newContactState(seededEmail(i), null, a, mergeOptions);
      batch.push(repos.contacts.create({ id: newId('ct'), account: ACCOUNT, status: 'new', state }));
    }
    await Promise.all(batch);
  }
  return (performance.now() - t0) / 1000;
}
