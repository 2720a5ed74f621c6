import { createSuppressionHasher, defaultIdentityPolicy } from '../../../src/domain';
import type { Repositories } from '../../../src/repositories';
import { createMemoryRepositories } from '../../../src/repositories/memory';
import { createProcessActivity } from '../../../src/services/process-activity.service';

const suppression = createSuppressionHasher('unit-test-suppression-key-0123456789');
const account = (id: string) => ({ id, name: id, defaultCountry: 'US', statuses: ['new'], defaultStatus: 'new', fieldDefinitions: [], createdAt: new Date() });

async function setup(withHasher = true) {
  const repos: Repositories = createMemoryRepositories();
  await repos.accounts.ensure(account('a'));
  await repos.accounts.ensure(account('b'));
  const process = createProcessActivity({
    repos,
    identityPolicy: (a) => defaultIdentityPolicy({ defaultCountry: a.defaultCountry }),
    mergeOptions: (a) => ({ fieldDefinitions: new Map(), recentLimit: 20, defaultCountry: a.defaultCountry }),
    ...(withHasher ? { suppression } : {}),
  });
  const run = (acct: string, id: string, payload: Record<string, unknown>, reprocess = false) =>
    process({ account: acct, activityId: id, receivedAt: new Date(), reprocess, payload: { type: 'form.submitted', occurredAt: '2026-01-02T00:00:00Z', ...payload } });
  // As the erase does it: the account's flag first, then the hash.
  const suppress = async (acct: string, kind: 'email' | 'phone', value: string) => {
    const current = (await repos.accounts.findById(acct))!;
    await repos.accounts.updateSettings(acct, current.revision ?? 0, { hasSuppressions: true });
    await repos.suppressions.add({ account: acct, hash: suppression.hashOf(acct, kind, value), kind, createdAt: new Date() });
  };
  return { repos, run, suppress };
}

describe('process-activity: suppressed identifiers (GDPR erase with suppression)', () => {
  it('records an activity carrying a suppressed email as suppressed, without PII, and creates no contact', async () => {
    const { repos, run, suppress } = await setup();
    await suppress('a', 'email', 'ada@example.com');
    const result = await run('a', 'act_1', { email: ' Ada@Example.COM ', phone: '+1 415 555 2671', visitorId: 'v_1', externalId: 'x_1', fields: { firstName: 'Ada' } });
    expect(result).toEqual({ outcome: 'suppressed', contactId: null, resolution: 'none', warnings: [] });
    const record = await repos.activities.findById('a', 'act_1');
    expect(record).toMatchObject({
      outcome: 'suppressed',
      type: 'form.submitted',
      email: null,
      phone: null,
      phoneExtension: null,
      visitorId: null,
      externalId: null,
      fields: {},
      contactId: null,
      claim: null,
      warnings: [],
    });
    expect(record!.payload).toBeUndefined();
    expect(await repos.contacts.count('a')).toBe(0);
  });

  it('a suppressed phone suppresses too, even beside an email nobody suppressed', async () => {
    const { repos, run, suppress } = await setup();
    await suppress('a', 'phone', '+14155552671');
    expect((await run('a', 'act_1', { email: 'new@example.com', phone: '(415) 555-2671' })).outcome).toBe('suppressed');
    expect(await repos.contacts.count('a')).toBe(0);
  });

  it('running the job again answers the same, from the record', async () => {
    const { run, suppress } = await setup();
    await suppress('a', 'email', 'ada@example.com');
    await run('a', 'act_1', { email: 'ada@example.com' });
    expect(await run('a', 'act_1', { email: 'ada@example.com' })).toEqual({ outcome: 'suppressed', contactId: null, resolution: 'replay', warnings: [] });
  });

  it('is per account: the same email in another account creates its contact', async () => {
    const { repos, run, suppress } = await setup();
    await suppress('a', 'email', 'ada@example.com');
    expect((await run('b', 'act_1', { email: 'ada@example.com' })).resolution).toBe('created');
    expect(await repos.contacts.count('b')).toBe(1);
  });

  it('an unidentified activity replayed after a fix is suppressed when it now names a suppressed person', async () => {
    const { repos, run, suppress } = await setup();
    expect((await run('a', 'act_1', { email: 'ada@' })).outcome).toBe('unidentified');
    await suppress('a', 'email', 'ada@example.com');
    expect((await run('a', 'act_1', { email: 'ada@example.com' }, true)).outcome).toBe('suppressed');
    expect(await repos.activities.findById('a', 'act_1')).toMatchObject({ outcome: 'suppressed', email: null });
  });

  it('without a hasher nothing is suppressed (the composition root always passes one)', async () => {
    const { run, suppress } = await setup(false);
    await suppress('a', 'email', 'ada@example.com');
    expect((await run('a', 'act_1', { email: 'ada@example.com' })).outcome).toBe('processed');
  });
});
