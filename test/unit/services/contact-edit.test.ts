import { applyActivity, contactStateOf, defaultIdentityPolicy, newContactState, type CanonicalActivity, type MergeOptions } from '../../../src/domain';
import type { Account, Repositories } from '../../../src/repositories';
import { createMemoryRepositories } from '../../../src/repositories/memory';
import { newAccount } from '../../../src/services/accounts.service';
import { createContactEdit } from '../../../src/services/contact-edit.service';
import { AppError } from '../../../src/shared/errors';

/**
 * PATCH's read-merge-write loop against the in-memory store, with a worker's update injected
 * between the edit's read and its write: without If-Match both changes land (merged by event
 * time), with If-Match the edit answers 412 and changes nothing.
 */
const options = (a: Account): MergeOptions => ({
  fieldDefinitions: new Map(a.fieldDefinitions.map((d) => [d.key, d])),
  recentLimit: 20,
  defaultCountry: a.defaultCountry,
  statuses: a.statuses,
});

const activity = (id: string, occurredAt: string, fields: Record<string, string>): CanonicalActivity => ({
  id,
  type: 'form.submitted',
  source: 'form',
  occurredAt: new Date(occurredAt),
  email: 'ann@example.com',
  phone: null,
  country: null,
  fields,
  visitorId: null,
  externalId: null,
});

async function setup() {
  const repos = createMemoryRepositories();
  const account = await repos.accounts.ensure(newAccount({ id: 'a', name: 'a', defaultCountry: 'US' }));
  const opts = options(account);
  const { state } = newContactState('ann@example.com', null, activity('act_first', '2026-01-01T00:00:00Z', { company: 'Acme' }), opts);
  const contact = await repos.contacts.create({ id: 'ct_1', account: 'a', status: account.defaultStatus, state });
  const edit = createContactEdit({ repos, identityPolicy: (a) => defaultIdentityPolicy({ defaultCountry: a.defaultCountry }), mergeOptions: options, now: () => new Date('2026-06-01T00:00:00Z') });
  return { repos, opts, contact, edit };
}

/** The next read of the contact is followed, before the caller can write, by a worker applying `a`. */
function workerWritesAfterNextRead(repos: Repositories, opts: MergeOptions, a: CanonicalActivity) {
  const real = repos.contacts.findById.bind(repos.contacts);
  let armed = true;
  repos.contacts.findById = async (account, id) => {
    const read = await real(account, id);
    if (armed && read) {
      armed = false;
      await repos.contacts.update(account, id, read.version, applyActivity(contactStateOf(read), a, opts).state);
    }
    return read;
  };
}

describe('editContact against a concurrent worker update', () => {
  it('without If-Match: the version conflict re-reads and merges the same edit again; both changes are kept', async () => {
    const { repos, opts, edit } = await setup();
    workerWritesAfterNextRead(repos, opts, activity('act_worker', '2026-01-02T00:00:00Z', { city: 'Paris', company: 'Older Co' }));
    const updated = await edit('a', 'ct_1', { fields: { company: 'Edited' }, status: 'qualified' });
    expect(updated.fields.city?.value).toBe('Paris');
    expect(updated.fields.company).toMatchObject({ value: 'Edited', source: 'operator' });
    expect(updated.status).toBe('qualified');
    expect(updated.recentActivities.map((r) => r.type)).toEqual(['contact.updated', 'form.submitted', 'form.submitted']);
    // The edit is recorded once, in the contact's history.
    const history = await repos.activities.listTimeline('a', 'ct_1', { limit: 10 });
    expect(history.map((r) => [r.type, r.source, r.status])).toEqual([['contact.updated', 'operator', 'qualified']]);
    expect(history[0]!.fields).toEqual({ company: 'Edited' });
  });

  it('with If-Match naming the version read: 412, and neither the contact nor the history has the edit', async () => {
    const { repos, opts, contact, edit } = await setup();
    workerWritesAfterNextRead(repos, opts, activity('act_worker', '2026-01-02T00:00:00Z', { city: 'Paris' }));
    const err = await edit('a', 'ct_1', { fields: { company: 'Edited' } }, { any: false, versions: [contact.version] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'precondition_failed', status: 412 });
    const now = (await repos.contacts.findById('a', 'ct_1'))!;
    expect(now.fields.company?.value).toBe('Acme');
    expect(now.fields.city?.value).toBe('Paris');
    expect(await repos.activities.listTimeline('a', 'ct_1', { limit: 10 })).toEqual([]);
  });

  it('If-Match: * accepts whatever version the contact has, and still merges', async () => {
    const { repos, opts, edit } = await setup();
    workerWritesAfterNextRead(repos, opts, activity('act_worker', '2026-01-02T00:00:00Z', { city: 'Paris' }));
    const updated = await edit('a', 'ct_1', { fields: { company: 'Edited' } }, { any: true });
    expect(updated.fields.city?.value).toBe('Paris');
    expect(updated.fields.company?.value).toBe('Edited');
  });
});
