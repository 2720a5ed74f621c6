import { defaultIdentityPolicy } from '../../../src/domain';
import type { Repositories } from '../../../src/repositories';
import { createMemoryRepositories } from '../../../src/repositories/memory';
import { createProcessActivity } from '../../../src/services/process-activity.service';

/**
 * The use case against the in-memory store (same semantics as MongoDB), with crashes injected
 * between its steps. A crash is a rejected store call: the job's next attempt runs the use case again.
 */
const PHONE = '+14155552671';
const at = (day: number) => new Date(Date.UTC(2026, 0, day)).toISOString();

async function setup() {
  const repos = createMemoryRepositories();
  await repos.accounts.ensure({ id: 'a', name: 'a', defaultCountry: 'US', statuses: ['new'], defaultStatus: 'new', fieldDefinitions: [], createdAt: new Date() });
  const process = createProcessActivity({
    repos,
    identityPolicy: (a) => defaultIdentityPolicy({ defaultCountry: a.defaultCountry }),
    mergeOptions: (a) => ({ fieldDefinitions: new Map(), recentLimit: 20, defaultCountry: a.defaultCountry }),
  });
  const run = (id: string, payload: Record<string, unknown>) => process({ account: 'a', activityId: id, receivedAt: new Date(), payload: { type: 't', ...payload } });
  return { repos, run };
}

/** Makes the next call of `method` fail once, after the real call ran or before it, as a crash would. */
function crashOnce(repos: Repositories, repo: 'activities' | 'contacts', method: string, when: 'before' | 'after', match: (arg: any) => boolean) {
  const target = repos[repo] as any;
  const real = target[method].bind(target);
  let armed = true;
  target[method] = async (...args: any[]) => {
    if (armed && match(args[0])) {
      armed = false;
      if (when === 'after') await real(...args);
      throw new Error('simulated crash');
    }
    return real(...args);
  };
}

async function holders(repos: Repositories, activityId: string) {
  const { data } = await repos.contacts.list('a', { limit: 100 });
  return data.filter((c) => c.recentActivities.some((r) => r.activityId === activityId)).map((c) => c.id);
}

describe('processActivity under crashes', () => {
  it('a retry finishes the persisted decision even when a fresh one would pick another contact', async () => {
    const { repos, run } = await setup();
    const b = await run('act_b', { occurredAt: at(10), email: 'b@example.com', phone: PHONE });
    const c = await run('act_c', { occurredAt: at(5), email: 'c@example.com', phone: PHONE });
    // X carries only the shared phone: the most recently active holder (B) gets it. The process
    // dies right after the contact write, before the activity is final.
    crashOnce(repos, 'activities', 'replaceIf', 'before', (r) => r.id === 'act_x');
    await expect(run('act_x', { occurredAt: at(1), phone: PHONE, fields: { note: 'x' } })).rejects.toThrow('simulated crash');
    // Meanwhile C becomes the most recent holder of the phone.
    await run('act_y', { occurredAt: at(20), email: 'c@example.com' });

    const retried = await run('act_x', { occurredAt: at(1), phone: PHONE, fields: { note: 'x' } });
    expect(retried.contactId).toBe(b.contactId);
    expect(await holders(repos, 'act_x')).toEqual([b.contactId]);
    expect((await repos.contacts.findById('a', c.contactId!))!.fields.note).toBeUndefined();
    expect((await repos.activities.findById('a', 'act_x'))!).toMatchObject({ outcome: 'processed', contactId: b.contactId, claim: null });
  });

  it.each([
    ['after the claim is stored', 'activities', 'insert', 'after'],
    ['after the new contact is created', 'contacts', 'create', 'after'],
    ['before the new contact is created', 'contacts', 'create', 'before'],
    ['after the activity is final', 'activities', 'replaceIf', 'after'],
  ] as const)('a crash %s: the retry ends with one contact and one final record', async (_name, repo, method, when) => {
    const { repos, run } = await setup();
    crashOnce(repos, repo, method, when, () => true);
    await expect(run('act_1', { occurredAt: at(1), email: 'ada@example.com', fields: { plan: 'pro' } })).rejects.toThrow('simulated crash');
    const result = await run('act_1', { occurredAt: at(1), email: 'ada@example.com', fields: { plan: 'pro' } });
    expect(await repos.contacts.count('a')).toBe(1);
    expect(await repos.activities.count('a')).toBe(1);
    expect(await holders(repos, 'act_1')).toEqual([result.contactId]);
    expect((await repos.activities.findById('a', 'act_1'))!.outcome).toBe('processed');
  });

  it('two runs of the same job at once (a stalled job picked up twice) converge on one contact', async () => {
    const { repos, run } = await setup();
    const payload = { occurredAt: at(1), email: 'twin@example.com' };
    const [one, two] = await Promise.all([run('act_t', payload), run('act_t', payload)]);
    expect(one.contactId).toBe(two.contactId);
    expect(await repos.contacts.count('a')).toBe(1);
    expect([one.resolution, two.resolution].sort()).toEqual(['created', 'replay']);
  });

  it('a claim whose new contact lost its email to another creator is re-decided, touching nothing', async () => {
    const { repos, run } = await setup();
    // The claim to create a contact for the email is stored, then the process dies.
    crashOnce(repos, 'contacts', 'create', 'before', () => true);
    await expect(run('act_1', { occurredAt: at(1), email: 'race@example.com' })).rejects.toThrow('simulated crash');
    // Another activity for the same email creates the contact meanwhile.
    const other = await run('act_2', { occurredAt: at(2), email: 'race@example.com' });
    const retried = await run('act_1', { occurredAt: at(1), email: 'race@example.com' });
    expect(retried.contactId).toBe(other.contactId);
    expect(await repos.contacts.count('a')).toBe(1);
    expect(await holders(repos, 'act_1')).toEqual([other.contactId]);
  });
});

describe('processActivity with a phone many contacts share', () => {
  it('rule 2 finds the email-less holder and rule 3 the most recent holder, however many share the phone', async () => {
    const { repos, run } = await setup();
    // Colleagues known by email first; then someone calls from the switchboard (a phone-only
    // contact); then each colleague's next activity gives them the switchboard number too.
    for (let i = 0; i < 25; i++) await run(`act_c${i}`, { occurredAt: at(1), email: `colleague${i}@example.com` });
    const phoneOnly = await run('act_po', { occurredAt: at(1), phone: PHONE });
    for (let i = 0; i < 25; i++) await run(`act_e${i}`, { occurredAt: at(2 + i), email: `colleague${i}@example.com`, phone: PHONE });
    expect(await repos.contacts.count('a')).toBe(26);

    // A phone-only activity belongs to the most recently active holder (rule 3).
    const phoneOnlyActivity = await run('act_p', { occurredAt: at(28), phone: PHONE });
    expect(phoneOnlyActivity.contactId).toBe((await repos.contacts.findByEmail('a', 'colleague24@example.com'))!.id);

    // A new email with the phone: the email-less holder gets the email (rule 2), older as it is.
    const claimed = await run('act_n', { occurredAt: at(29), email: 'newcomer@example.com', phone: PHONE });
    expect(claimed).toMatchObject({ contactId: phoneOnly.contactId, resolution: 'matched' });
    expect((await repos.contacts.findById('a', phoneOnly.contactId!))!.email).toBe('newcomer@example.com');

    // Now every holder has an email: the next newcomer is a person of their own.
    const another = await run('act_m', { occurredAt: at(30), email: 'another@example.com', phone: PHONE });
    expect(another.resolution).toBe('created');
    expect(another.warnings).toContain('phone_kept_on_other_contact');
  });
});
