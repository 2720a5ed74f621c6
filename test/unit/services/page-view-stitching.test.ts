import { setImmediate as tick } from 'node:timers/promises';
import { defaultIdentityPolicy } from '../../../src/domain';
import type { Repositories } from '../../../src/repositories';
import { createMemoryRepositories } from '../../../src/repositories/memory';
import { createProcessActivity } from '../../../src/services/process-activity.service';
import { createRecordPageView } from '../../../src/services/record-page-view.service';

/**
 * Both sides write first and read second, so a page view and the identified activity that carries
 * its visitor id, run concurrently in any interleaving, always end with the view on the contact.
 */
describe('page view stitching under concurrency (memory store)', () => {
  const account = 'acme';
  const T0 = Date.UTC(2026, 10, 1);

  // Deterministic pseudo-random 0–3 event-loop turns before each store call: a slow store between
  // one side's write and read is what opens the race window the write-then-read order closes.
  let seed = 42;
  const turns = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) >> 16) % 4;
  function jittered<T extends object>(target: T): T {
    return new Proxy(target, {
      get(t, p) {
        const v = Reflect.get(t, p) as unknown;
        if (typeof v !== 'function') return v;
        return async (...args: unknown[]) => {
          for (let n = turns(); n > 0; n--) await tick();
          return (v as (...a: unknown[]) => unknown).apply(t, args);
        };
      },
    });
  }

  async function setup() {
    const memory = createMemoryRepositories();
    const repos: Repositories = { ...memory, contacts: jittered(memory.contacts), activities: jittered(memory.activities), pageViews: jittered(memory.pageViews) };
    await repos.accounts.ensure({ id: account, name: 'Acme', defaultCountry: 'US', statuses: ['new'], defaultStatus: 'new', fieldDefinitions: [], createdAt: new Date(T0) });
    const deps = {
      repos,
      identityPolicy: () => defaultIdentityPolicy(),
      mergeOptions: () => ({ fieldDefinitions: new Map(), recentLimit: 5, defaultCountry: 'US' }),
    };
    return { repos, processActivity: createProcessActivity(deps), recordPageView: createRecordPageView(deps) };
  }

  const later = async <T>(ticks: number, run: () => Promise<T>) => {
    for (let i = 0; i < ticks; i++) await tick();
    return run();
  };

  it('the view ends on the contact whichever side runs first, and replays change nothing', async () => {
    const { repos, processActivity, recordPageView } = await setup();
    for (let i = 0; i < 200; i++) {
      const visitorId = `vis_${i}`;
      const view = { account, pageViewId: `act_pv${i}`, receivedAt: new Date(T0), payload: { visitorId, url: `https://example.com/${i}`, viewedAt: new Date(T0 + i).toISOString() } };
      const activity = { account, activityId: `act_a${i}`, receivedAt: new Date(T0), payload: { type: 'x', occurredAt: new Date(T0).toISOString(), email: `u${i}@example.com`, visitorId } };
      // Shift one side by 0–11 event-loop turns to cover many interleavings of their store calls.
      const shift = i % 12;
      const [, processed] = await Promise.all([
        later(i % 2 === 0 ? shift : 0, () => recordPageView(view)),
        later(i % 2 === 0 ? 0 : shift, () => processActivity(activity)),
      ]);
      const contactId = processed.contactId!;
      expect((await repos.pageViews.findById(account, view.pageViewId))!.contactId).toBe(contactId);
      const contact = (await repos.contacts.findById(account, contactId))!;
      expect(contact.recentPageViews.map((v) => v.pageViewId)).toEqual([view.pageViewId]);

      // Running either job again leaves the same contact.
      await recordPageView(view);
      await processActivity(activity);
      expect(await repos.contacts.findById(account, contactId)).toEqual(contact);
    }
  });

  it('a visitor’s views stay anonymous until an activity carries the id, then the newest `recentLimit` show', async () => {
    const { repos, processActivity, recordPageView } = await setup();
    for (let i = 0; i < 8; i++) {
      const r = await recordPageView({ account, pageViewId: `act_v${i}`, receivedAt: new Date(T0), payload: { visitorId: 'vis_x', url: 'https://example.com/', viewedAt: new Date(T0 + i * 1000).toISOString() } });
      expect(r).toEqual({ outcome: 'anonymous', contactId: null });
    }
    const done = await processActivity({ account, activityId: 'act_id', receivedAt: new Date(T0), payload: { type: 'x', occurredAt: new Date(T0).toISOString(), email: 'x@example.com', visitorId: 'vis_x' } });
    const contact = (await repos.contacts.findById(account, done.contactId!))!;
    expect(contact.recentPageViews.map((v) => v.pageViewId)).toEqual(['act_v7', 'act_v6', 'act_v5', 'act_v4', 'act_v3']);
    expect(await repos.pageViews.listUnattached(account, 'vis_x', 100)).toEqual([]);
  });

  it('a blocked visitor id ("undefined") never stitches anybody', async () => {
    const { repos, processActivity, recordPageView } = await setup();
    await recordPageView({ account, pageViewId: 'act_u1', receivedAt: new Date(T0), payload: { visitorId: 'undefined', url: 'https://example.com/', viewedAt: new Date(T0).toISOString() } });
    const done = await processActivity({ account, activityId: 'act_u2', receivedAt: new Date(T0), payload: { type: 'x', occurredAt: new Date(T0).toISOString(), email: 'y@example.com', visitorId: 'undefined' } });
    expect((await repos.contacts.findById(account, done.contactId!))!.recentPageViews).toEqual([]);
    expect((await repos.pageViews.findById(account, 'act_u1'))!.contactId).toBeNull();
  });
});
