import { createSuppressionHasher, defaultIdentityPolicy, type ContactState } from '../../../src/domain';
import type { ActivityJobData } from '../../../src/jobs/activities.queue';
import { testSealer } from '../../support/sealer';
import { createMemoryRepositories } from '../../../src/repositories/memory';
import { ContactBusyError, createEraseContact, type EraseQueue } from '../../../src/services/erase-contact.service';

/**
 * The parts of erase that a real queue makes hard to stage: a job a worker holds (it cannot be
 * removed until it finishes) and a queue deeper than the scan. Redis-backed behaviour is in
 * test/integration/erase.test.ts.
 */
interface FakeJob {
  id: string;
  data: ActivityJobData;
  state: 'active' | 'wait' | 'completed' | 'failed';
  /** remove() refuses while the job is active; after this many refusals the job completes. */
  activeFor?: number;
}

const sealer = testSealer();

function fakeQueue(jobs: FakeJob[]) {
  const byId = new Map(jobs.map((j) => [j.id, j]));
  const handle = (j: FakeJob) => ({
    id: j.id,
    data: sealer.seal(j.data),
    async remove() {
      if (j.state === 'active') {
        if (j.activeFor !== undefined && --j.activeFor <= 0) j.state = 'completed';
        throw new Error(`Job ${j.id} could not be removed because it is locked by another worker`);
      }
      byId.delete(j.id);
    },
    isActive: async () => j.state === 'active',
  });
  const queue = {
    getJob: async (id: string) => (byId.has(id) ? handle(byId.get(id)!) : undefined),
    getJobs: async (types: string[], start = 0, end = -1) => {
      const matching = [...byId.values()].filter((j) => types.includes(j.state));
      return matching.slice(start, end < 0 ? undefined : end + 1).map(handle);
    },
  };
  return { queue: queue as unknown as EraseQueue, byId };
}

const ACCOUNT = 'a';
const policy = defaultIdentityPolicy({ defaultCountry: 'US' });
const job = (id: string, payload: Record<string, unknown>, state: FakeJob['state'] = 'wait', activeFor?: number): FakeJob => ({
  id,
  state,
  activeFor,
  data: { kind: 'activity', account: ACCOUNT, activityId: id, receivedAt: new Date().toISOString(), payload: { type: 't', occurredAt: '2026-01-01T00:00:00Z', ...payload } },
});

async function setup(jobs: FakeJob[], opts: { activeWaitMs?: number; scanLimit?: number } = {}) {
  const repos = createMemoryRepositories();
  await repos.accounts.ensure({ id: ACCOUNT, name: ACCOUNT, defaultCountry: 'US', statuses: ['new'], defaultStatus: 'new', fieldDefinitions: [], createdAt: new Date() });
  const state: ContactState = {
    email: 'ada@example.com',
    phone: '+14155552671',
    fields: {},
    recentActivities: [],
    recentPageViews: [],
    visitorIds: [],
    firstSeenAt: new Date(),
    lastActivityAt: new Date(),
  };
  await repos.contacts.create({ id: 'ct_1', account: ACCOUNT, status: 'new', state });
  const { queue, byId } = fakeQueue(jobs);
  const erase = createEraseContact({
    repos,
    queue,
    sealer,
    suppression: createSuppressionHasher('unit-test-suppression-key-0123456789'),
    policyFor: async () => policy,
    activeWaitMs: opts.activeWaitMs ?? 1000,
    settingsPropagationMs: 0,
    scanLimit: opts.scanLimit,
  });
  return { repos, erase, byId };
}

describe('erase: jobs a worker is running, and the bounded queue scan', () => {
  it('waits for a job of the person that a worker holds, then removes it', async () => {
    const { erase, byId, repos } = await setup([job('act_busy', { email: 'ada@example.com' }, 'active', 3)]);
    const result = await erase(ACCOUNT, 'ct_1', { suppress: false });
    expect(result).toMatchObject({ contact: 1, jobs: 1, queueScanComplete: true });
    expect(byId.has('act_busy')).toBe(false);
    expect(await repos.contacts.findById(ACCOUNT, 'ct_1')).toBeNull();
  });

  it('answers 409 contact_busy when the job stays held, and erases nothing of the store', async () => {
    const { erase, repos } = await setup([job('act_stuck', { phone: '(415) 555-2671' }, 'active')], { activeWaitMs: 150 });
    const err = await erase(ACCOUNT, 'ct_1', { suppress: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContactBusyError);
    expect(err).toMatchObject({ status: 409, code: 'contact_busy' });
    expect(await repos.contacts.findById(ACCOUNT, 'ct_1')).not.toBeNull();
    // The suppression came first and stays: a repeat of the erase finishes the rest.
    expect(await repos.suppressions.count(ACCOUNT)).toBe(2);
  });

  it('reads at most scanLimit jobs and says when the scan was cut short', async () => {
    const jobs = Array.from({ length: 5 }, (_, i) => job(`act_${i}`, { email: i === 4 ? 'ada@example.com' : `other${i}@example.com` }));
    const cut = await setup(jobs.map((j) => ({ ...j })), { scanLimit: 3 });
    expect(await cut.erase(ACCOUNT, 'ct_1', { suppress: false })).toMatchObject({ jobs: 0, queueScanComplete: false });
    const whole = await setup(jobs.map((j) => ({ ...j })), { scanLimit: 10 });
    expect(await whole.erase(ACCOUNT, 'ct_1', { suppress: false })).toMatchObject({ jobs: 1, queueScanComplete: true });
  });

  it('finds the person in a payload the worker could not read, by its email addresses only', async () => {
    const unreadable = job('act_bad', {});
    unreadable.data = { kind: 'webhook', provider: 'nope', account: ACCOUNT, activityId: 'act_bad', receivedAt: '', payload: { who: { mail: 'Ada@Example.com' } } };
    const lookalike = job('act_like', {});
    lookalike.data = { ...unreadable.data, activityId: 'act_like', payload: { who: 'xada@example.com' } };
    lookalike.id = 'act_like';
    const { erase, byId } = await setup([unreadable, lookalike]);
    expect(await erase(ACCOUNT, 'ct_1', { suppress: false })).toMatchObject({ jobs: 1 });
    expect([...byId.keys()]).toEqual(['act_like']);
  });
});
