import fc from 'fast-check';
import { applyEdit, editConflicts, type ContactEdit } from '../../../src/domain/contact-edit';
import { applyActivity, newContactState, sameContactState } from '../../../src/domain/contact-merge';
import { LIMITS } from '../../../src/domain/limits';
import type { CanonicalActivity, ContactState, FieldDefinition, FieldValue, MergeOptions } from '../../../src/domain/types';

/**
 * Operator edits (identity rule 6: an edit is an event at the time of the edit) and tombstones:
 * an edit takes part in the same per-field event-time merge as activities, in any arrival order.
 */
const defs: FieldDefinition[] = [
  { key: 'company', type: 'text' },
  { key: 'employees', type: 'number' },
  { key: 'firstSource', type: 'text', setOnce: true },
];
const opts: MergeOptions = {
  fieldDefinitions: new Map(defs.map((d) => [d.key, d])),
  recentLimit: 5,
  defaultCountry: 'US',
  statuses: ['new', 'qualified', 'disqualified'],
};
const T = (minute: number) => new Date(Date.UTC(2024, 0, 1, 12, minute));

const act = (id: string, minute: number, fields: Record<string, FieldValue> = {}, status: string | null = null): CanonicalActivity => ({
  id,
  type: 'form_submitted',
  source: 'typeform',
  occurredAt: T(minute),
  email: null,
  phone: null,
  country: null,
  fields,
  visitorId: null,
  externalId: null,
  status,
});

const edit = (id: string, minute: number, fields: ContactEdit['fields'] = {}, over: Partial<ContactEdit> = {}): ContactEdit => ({
  id,
  type: 'contact.updated',
  source: 'operator',
  at: T(minute),
  fields,
  ...over,
});

type Event = { kind: 'activity'; a: CanonicalActivity } | { kind: 'edit'; e: ContactEdit };
const A = (a: CanonicalActivity): Event => ({ kind: 'activity', a });
const E = (e: ContactEdit): Event => ({ kind: 'edit', e });

/** A contact created by a seed activity (minute 0, no fields), then every event in the given order. */
function fold(events: Event[], o: MergeOptions = opts): ContactState {
  let state = newContactState('ann@example.com', null, act('act_seed', 0), o).state;
  for (const ev of events) state = ev.kind === 'activity' ? applyActivity(state, ev.a, o).state : applyEdit(state, ev.e, o).state;
  return state;
}

describe('applyEdit: an edit is an event at the time of the edit', () => {
  it.each<[string, Event[], FieldValue | undefined]>([
    ['an edit beats an older activity value', [A(act('act_a', 10, { company: 'Acme' })), E(edit('act_e', 20, { company: 'Initech' }))], 'Initech'],
    ['…whichever arrives first', [E(edit('act_e', 20, { company: 'Initech' })), A(act('act_a', 10, { company: 'Acme' }))], 'Initech'],
    ['a later activity beats the edit', [E(edit('act_e', 20, { company: 'Initech' })), A(act('act_a', 30, { company: 'Acme' }))], 'Acme'],
    ['…whichever arrives first', [A(act('act_a', 30, { company: 'Acme' })), E(edit('act_e', 20, { company: 'Initech' }))], 'Acme'],
    ['an edit types nothing itself: it stores what it is given', [E(edit('act_e', 20, { employees: 12 }))], 12],
    ['of two edits the later wins', [E(edit('act_e2', 30, { company: 'B' })), E(edit('act_e1', 20, { company: 'A' }))], 'B'],
  ])('%s', (_name, events, expected) => {
    const key = Object.keys((events[0]!.kind === 'edit' ? events[0]!.e.fields : events[0]!.a.fields))[0]!;
    expect(fold(events).fields[key]?.value).toBe(expected);
  });

  it('records provenance: source operator, setAt the edit time, activityId the edit id', () => {
    const state = fold([A(act('act_a', 10, { company: 'Acme' })), E(edit('act_e', 20, { company: 'Initech' }))]);
    expect(state.fields.company).toEqual({ value: 'Initech', source: 'operator', setAt: T(20), activityId: 'act_e' });
  });

  it('inserts the edit into recentActivities but leaves firstSeenAt and lastActivityAt (the person’s engagement)', () => {
    const before = fold([A(act('act_a', 10, { company: 'Acme' }))]);
    const after = applyEdit(before, edit('act_e', 90, { company: 'X' }), opts).state;
    expect(after.recentActivities[0]).toEqual({ activityId: 'act_e', type: 'contact.updated', source: 'operator', occurredAt: T(90) });
    expect(after.firstSeenAt).toEqual(before.firstSeenAt);
    expect(after.lastActivityAt).toEqual(before.lastActivityAt);
  });

  it('replaces identifiers it names and keeps the others; null removes one', () => {
    const base = fold([]);
    expect(applyEdit(base, edit('act_e', 5, {}, { email: 'new@example.com' }), opts).state).toMatchObject({ email: 'new@example.com', phone: null });
    expect(applyEdit({ ...base, phone: '+14155552671' }, edit('act_e', 5, {}, { email: null }), opts).state).toMatchObject({ email: null, phone: '+14155552671' });
    expect(applyEdit(base, edit('act_e', 5, { company: 'X' }), opts).state.email).toBe('ann@example.com');
  });

  it('applying the same edit again (a retry after a version conflict) changes nothing', () => {
    const once = fold([A(act('act_a', 10, { company: 'Acme' })), E(edit('act_e', 20, { company: null, employees: 3 }, { status: 'qualified' }))]);
    const twice = applyEdit(once, edit('act_e', 20, { company: null, employees: 3 }, { status: 'qualified' }), opts).state;
    expect(twice).toEqual(once);
    expect(sameContactState(twice, once)).toBe(true);
  });
});

describe('tombstones: clearing a field is an event too', () => {
  it.each<[string, Event[], FieldValue | undefined]>([
    ['a clear hides the value', [A(act('act_a', 10, { company: 'Acme' })), E(edit('act_e', 20, { company: null }))], null],
    ['an older activity does not bring the value back', [E(edit('act_e', 20, { company: null })), A(act('act_a', 10, { company: 'Acme' }))], null],
    ['…nor when it arrives after the clear of a field it had set', [A(act('act_a', 10, { company: 'Acme' })), E(edit('act_e', 20, { company: null })), A(act('act_b', 15, { company: 'Acme 2' }))], null],
    ['a newer activity does', [A(act('act_a', 10, { company: 'Acme' })), E(edit('act_e', 20, { company: null })), A(act('act_c', 30, { company: 'Globex' }))], 'Globex'],
    ['…in any order', [A(act('act_c', 30, { company: 'Globex' })), E(edit('act_e', 20, { company: null })), A(act('act_a', 10, { company: 'Acme' }))], 'Globex'],
    ['an empty activity value never clears (only an edit does)', [A(act('act_a', 10, { company: 'Acme' })), A(act('act_b', 20, { company: '' })), A(act('act_c', 30, { company: null }))], 'Acme'],
    ['a later edit sets what an earlier one cleared', [E(edit('act_e1', 20, { company: null })), E(edit('act_e2', 25, { company: 'Back' }))], 'Back'],
  ])('%s', (_name, events, expected) => {
    expect(fold(events).fields.company?.value).toBe(expected);
  });

  it('keeps the tombstone’s provenance', () => {
    expect(fold([A(act('act_a', 10, { company: 'Acme' })), E(edit('act_e', 20, { company: null }))]).fields.company).toEqual({
      value: null,
      source: 'operator',
      setAt: T(20),
      activityId: 'act_e',
    });
  });
});

describe('editConflicts', () => {
  it('reports set-once fields holding another value, and new keys past the contact’s limit', () => {
    const state = fold([A(act('act_a', 10, { firstSource: 'google', company: 'Acme' }))]);
    expect(editConflicts(state, edit('e', 20, { firstSource: 'bing' }), opts)).toEqual({ setOnce: ['firstSource'], overLimit: [] });
    expect(editConflicts(state, edit('e', 20, { firstSource: null }), opts).setOnce).toEqual(['firstSource']);
    expect(editConflicts(state, edit('e', 20, { firstSource: 'google', company: 'X' }), opts)).toEqual({ setOnce: [], overLimit: [] });
    // An empty set-once field may be set by an edit; an earlier activity arriving later still wins it.
    const empty = fold([]);
    expect(editConflicts(empty, edit('e', 20, { firstSource: 'newsletter' }), opts).setOnce).toEqual([]);
    const edited = applyEdit(empty, edit('e', 20, { firstSource: 'newsletter' }), opts).state;
    expect(applyActivity(edited, act('act_early', 5, { firstSource: 'google' }), opts).state.fields.firstSource?.value).toBe('google');

    const full = { ...empty, fields: Object.fromEntries(Array.from({ length: LIMITS.fieldsPerContact - 1 }, (_, i) => [`f${i}`, { value: i, source: 's', setAt: T(1), activityId: 'a' }])) };
    expect(editConflicts(full, edit('e', 20, { f0: 1, new1: 'x', new2: 'y' }), opts).overLimit).toEqual(['new2']);
  });
});

describe('status by event time (rule 7)', () => {
  const statusOf = (events: Event[]) => {
    const s = fold(events);
    return { status: s.status, by: s.statusSet?.activityId ?? null };
  };

  it.each<[string, Event[], string | undefined, string | null]>([
    ['a new contact has no status event (the record gets the default)', [], undefined, null],
    ['an activity carrying a status sets it', [A(act('act_a', 10, {}, 'qualified'))], 'qualified', 'act_a'],
    ['matched case-insensitively to the account’s key', [A(act('act_a', 10, {}, ' Qualified '))], 'qualified', 'act_a'],
    ['an unknown status is ignored', [A(act('act_a', 10, {}, 'vip'))], undefined, null],
    ['the later event wins', [A(act('act_b', 20, {}, 'disqualified')), A(act('act_a', 10, {}, 'qualified'))], 'disqualified', 'act_b'],
    ['an operator change beats an older activity status…', [E(edit('act_e', 30, {}, { status: 'qualified' })), A(act('act_a', 20, {}, 'disqualified'))], 'qualified', 'act_e'],
    ['…and a later activity status beats the operator change', [E(edit('act_e', 30, {}, { status: 'qualified' })), A(act('act_a', 40, {}, 'disqualified'))], 'disqualified', 'act_a'],
    ['an activity without a status changes nothing', [A(act('act_a', 10, {}, 'qualified')), A(act('act_b', 50, { company: 'X' }))], 'qualified', 'act_a'],
    ['equal times: the greater id wins, in any order', [A(act('act_b', 10, {}, 'disqualified')), A(act('act_a', 10, {}, 'qualified'))], 'disqualified', 'act_b'],
  ])('%s', (_name, events, status, by) => {
    expect(statusOf(events)).toEqual({ status, by });
  });

  it('an older activity’s status still applies to a contact created by a newer one (the default is no event)', () => {
    // Created by the newer activity first, then the older one with a status arrives: it applies,
    // exactly as it would had it arrived first and created the contact.
    const newerFirst = applyActivity(newContactState('a@example.com', null, act('act_new', 50), opts).state, act('act_old', 10, {}, 'qualified'), opts);
    const olderFirst = applyActivity(newContactState('a@example.com', null, act('act_old', 10, {}, 'qualified'), opts).state, act('act_new', 50), opts);
    expect(newerFirst.state.status).toBe('qualified');
    expect(newerFirst.state).toEqual(olderFirst.state);
  });

  it('warns status_unknown for a status the account does not have (and without any statuses)', () => {
    const base = fold([]);
    expect(applyActivity(base, act('act_a', 10, {}, 'vip'), opts).warnings).toEqual(['status_unknown']);
    expect(applyActivity(base, act('act_a', 10, {}, 'qualified'), { ...opts, statuses: undefined }).warnings).toEqual(['status_unknown']);
    expect(applyActivity(base, act('act_a', 10, {}, 'qualified'), opts).warnings).toEqual([]);
  });
});

describe('properties: activities and edits in any order, any number of times', () => {
  const keyArb = fc.constantFrom('company', 'employees', 'note');
  // Values every one of these fields takes (text types a number as a string), and the empty value.
  const valueArb = fc.oneof(fc.constantFrom('', ' '), fc.integer({ min: 0, max: 5 }));
  const statusArb = fc.option(fc.constantFrom('new', 'qualified', 'disqualified', 'unknown'), { nil: null });
  const eventArb = fc.oneof(
    fc.record({ minute: fc.integer({ min: 1, max: 20 }), fields: fc.dictionary(keyArb, valueArb, { maxKeys: 2 }), status: statusArb }).map(
      (r) => ({ kind: 'activity', minute: r.minute, fields: r.fields, status: r.status }) as const,
    ),
    fc.record({
      minute: fc.integer({ min: 1, max: 20 }),
      fields: fc.dictionary(keyArb, fc.option(fc.constantFrom('Initech', 7), { nil: null }), { maxKeys: 2 }),
      status: fc.option(fc.constantFrom('new', 'qualified', 'disqualified'), { nil: undefined }),
    }).map((r) => ({ kind: 'edit', minute: r.minute, fields: r.fields, status: r.status }) as const),
  );
  const eventsArb = fc.array(eventArb, { minLength: 1, maxLength: 8 }).map((raw) =>
    raw.map((r, i): Event =>
      r.kind === 'activity'
        ? A(act(`act_${String(i).padStart(2, '0')}`, r.minute, r.fields, r.status))
        : E(edit(`act_${String(i).padStart(2, '0')}`, r.minute, r.fields, r.status === undefined ? {} : { status: r.status })),
    ),
  );
  const withPermutation = eventsArb.chain((evs) => fc.tuple(fc.constant(evs), fc.shuffledSubarray(evs, { minLength: evs.length, maxLength: evs.length })));

  it('the same events give the same contact in every order (fields, tombstones, status)', () => {
    fc.assert(
      fc.property(withPermutation, ([events, shuffled]) => {
        expect(fold(shuffled)).toEqual(fold(events));
      }),
      { numRuns: 400 },
    );
  });

  it('replaying every event again changes nothing', () => {
    fc.assert(
      fc.property(withPermutation, ([events, shuffled]) => {
        expect(fold([...events, ...shuffled])).toEqual(fold(events));
      }),
      { numRuns: 200 },
    );
  });

  it('each field holds the value of its latest (time, id) event, hidden when that event was a clear', () => {
    fc.assert(
      fc.property(eventsArb, (events) => {
        const state = fold(events);
        for (const key of ['company', 'employees', 'note']) {
          // An activity's empty value sets nothing; an edit's null is a clear (a tombstone).
          const setters = events
            .map((ev) => (ev.kind === 'activity' ? { edit: false, at: ev.a.occurredAt, id: ev.a.id, v: ev.a.fields[key] } : { edit: true, at: ev.e.at, id: ev.e.id, v: ev.e.fields[key] }))
            .filter((s) => s.v !== undefined && (s.edit || !(s.v === null || (typeof s.v === 'string' && s.v.trim() === ''))))
            .sort((x, y) => y.at.getTime() - x.at.getTime() || (x.id < y.id ? 1 : -1));
          // Provenance, not the value: text fields type numbers as strings.
          expect(state.fields[key]?.activityId).toBe(setters[0]?.id);
          expect(state.fields[key]?.value === null).toBe(setters[0]?.v === null);
        }
      }),
      { numRuns: 300 },
    );
  });
});
