import { createSuppressionHasher, defaultIdentityPolicy } from '../../../src/domain';
import type { Repositories } from '../../../src/repositories';
import { createMemoryRepositories } from '../../../src/repositories/memory';
import { createProcessActivity } from '../../../src/services/process-activity.service';

/**
 * What an activity costs the store, counted: against MongoDB every call is a network round trip,
 * so the use case's call count and how many of them wait on each other are its cost. A "wave" is a
 * set of calls in flight together; the waves are the sequential round trips.
 */
function counted(repos: Repositories) {
  const calls: string[] = [];
  let waves = 0;
  let inFlight = 0;
  for (const name of ['contacts', 'activities', 'pageViews', 'suppressions'] as const) {
    const repo = repos[name] as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    for (const method of Object.getOwnPropertyNames(Object.getPrototypeOf(repo)).concat(Object.keys(repo))) {
      const real = repo[method];
      if (method === 'constructor' || typeof real !== 'function') continue;
      repo[method] = async (...args: unknown[]) => {
        if (inFlight++ === 0) waves++;
        calls.push(`${name}.${method}`);
        try {
          return await real.apply(repo, args);
        } finally {
          inFlight--;
        }
      };
    }
  }
  return {
    take() {
      const out = { calls: [...calls].sort(), waves };
      calls.length = 0;
      waves = 0;
      return out;
    },
  };
}

const suppression = createSuppressionHasher('k'.repeat(32));

async function setup({ hasSuppressions = false } = {}) {
  const repos = createMemoryRepositories();
  await repos.accounts.ensure({ id: 'a', name: 'a', defaultCountry: 'US', statuses: ['new'], defaultStatus: 'new', fieldDefinitions: [], createdAt: new Date(), hasSuppressions });
  const counter = counted(repos);
  const process = createProcessActivity({
    repos,
    identityPolicy: (a) => defaultIdentityPolicy({ defaultCountry: a.defaultCountry }),
    mergeOptions: (a) => ({ fieldDefinitions: new Map(), recentLimit: 20, defaultCountry: a.defaultCountry }),
    suppression,
  });
  const run = (id: string, payload: Record<string, unknown>) =>
    process({ account: 'a', activityId: id, receivedAt: new Date(), payload: { type: 't', occurredAt: '2026-01-02T00:00:00Z', ...payload } });
  return { run, counter, repos };
}

describe('store operations per activity', () => {
  it('a new contact: 5 operations in 4 sequential round trips', async () => {
    const { run, counter } = await setup();
    expect((await run('act_1', { email: 'ada@example.com', phone: '+14155552671' })).resolution).toBe('created');
    expect(counter.take()).toEqual({
      calls: ['activities.insert', 'activities.replaceIf', 'contacts.create', 'contacts.findByEmail', 'contacts.findByPhone'],
      waves: 4,
    });
  });

  it('a known contact: 5 operations in 4 sequential round trips', async () => {
    const { run, counter } = await setup();
    await run('act_1', { email: 'ada@example.com', phone: '+14155552671' });
    counter.take();
    expect((await run('act_2', { email: 'ada@example.com', phone: '+14155552671', fields: { plan: 'pro' } })).resolution).toBe('matched');
    expect(counter.take()).toEqual({
      calls: ['activities.insert', 'activities.replaceIf', 'contacts.findByEmail', 'contacts.findByPhone', 'contacts.update'],
      waves: 4,
    });
  });

  // Once an account has suppressed somebody (GDPR erase), the suppression look-up travels with the
  // contact look-ups: one more operation, no more waiting.
  it('a known contact of an account with suppressions: 6 operations in 4 sequential round trips', async () => {
    const { run, counter } = await setup({ hasSuppressions: true });
    await run('act_1', { email: 'ada@example.com', phone: '+14155552671' });
    counter.take();
    expect((await run('act_2', { email: 'ada@example.com', phone: '+14155552671', fields: { plan: 'pro' } })).resolution).toBe('matched');
    expect(counter.take()).toEqual({
      calls: ['activities.insert', 'activities.replaceIf', 'contacts.findByEmail', 'contacts.findByPhone', 'contacts.update', 'suppressions.findAny'],
      waves: 4,
    });
  });

  it('a suppressed person: the look-ups, then one insert of the record; no contact is touched', async () => {
    const { run, counter, repos } = await setup({ hasSuppressions: true });
    await repos.suppressions.add({ account: 'a', hash: suppression.hashOf('a', 'email', 'ada@example.com'), kind: 'email', createdAt: new Date() });
    counter.take();
    expect((await run('act_1', { email: 'Ada@Example.com', phone: '+14155552671' })).outcome).toBe('suppressed');
    expect(counter.take()).toEqual({
      calls: ['activities.insert', 'contacts.findByEmail', 'contacts.findByPhone', 'suppressions.findAny'],
      waves: 2,
    });
  });

  it('an activity that identifies nobody asks nothing about suppression', async () => {
    const { run, counter } = await setup({ hasSuppressions: true });
    expect((await run('act_1', { email: 'not an email' })).outcome).toBe('unidentified');
    expect(counter.take()).toEqual({ calls: ['activities.insert'], waves: 1 });
  });

  it('an activity already recorded writes nothing', async () => {
    const { run, counter } = await setup();
    await run('act_1', { email: 'ada@example.com' });
    counter.take();
    expect((await run('act_1', { email: 'ada@example.com' })).resolution).toBe('replay');
    const { calls } = counter.take();
    expect(calls.filter((c) => !/\.find/.test(c))).toEqual(['activities.insert']);
  });
});
