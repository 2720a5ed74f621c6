import fc from 'fast-check';
import { applyActivity, newContactState, withIdentifiers } from '../../../src/domain/contact-merge';
import type { CanonicalActivity, ContactState, FieldDefinition, FieldValue, MergeOptions } from '../../../src/domain/types';

const defs: FieldDefinition[] = [
  { key: 'plan', type: 'single_choice', options: ['Free', 'Pro'] },
  { key: 'employees', type: 'number' },
  { key: 'first_source', type: 'text', setOnce: true },
  { key: 'mobile', type: 'phone' },
];
const opts: MergeOptions = { fieldDefinitions: new Map(defs.map((d) => [d.key, d])), recentLimit: 3, defaultCountry: 'US' };

const act = (id: string, occurredAt: string, fields: Record<string, FieldValue> = {}, visitorId: string | null = null): CanonicalActivity => ({
  id,
  type: 'page_viewed',
  source: 'web',
  occurredAt: new Date(occurredAt),
  email: null,
  phone: null,
  country: null,
  fields,
  visitorId,
  externalId: null,
});

describe('newContactState', () => {
  it('builds the contact from its first activity', () => {
    const a = act('a1', '2024-01-01T10:00:00Z', { plan: 'pro', junk: '', 'bad.key': 'x' }, 'v-1');
    expect(newContactState('ann@example.com', '+14155552671', a, opts)).toEqual({
      state: {
        email: 'ann@example.com',
        phone: '+14155552671',
        fields: { plan: { value: 'Pro', source: 'web', setAt: new Date('2024-01-01T10:00:00Z'), activityId: 'a1' } },
        recentActivities: [{ activityId: 'a1', type: 'page_viewed', source: 'web', occurredAt: new Date('2024-01-01T10:00:00Z') }],
        recentPageViews: [],
        visitorIds: ['v-1'],
        firstSeenAt: new Date('2024-01-01T10:00:00Z'),
        lastActivityAt: new Date('2024-01-01T10:00:00Z'),
      },
      warnings: ['field_key_invalid:bad.key'],
    });
  });
});

describe('applyActivity', () => {
  const base = newContactState('ann@example.com', null, act('a2', '2024-01-02T00:00:00Z', {}, 'v-b'), opts).state;

  it('keeps the recent page views as they are (stitching owns them)', () => {
    const views = [{ pageViewId: 'pv1', url: 'https://example.com/', title: null, viewedAt: new Date('2024-01-01T00:00:00Z') }];
    expect(applyActivity({ ...base, recentPageViews: views }, act('a3', '2024-01-03T00:00:00Z'), opts).state.recentPageViews).toEqual(views);
  });

  it('widens firstSeenAt / lastActivityAt by event time', () => {
    const older = applyActivity(base, act('a1', '2024-01-01T00:00:00Z'), opts).state;
    expect(older.firstSeenAt).toEqual(new Date('2024-01-01T00:00:00Z'));
    expect(older.lastActivityAt).toEqual(new Date('2024-01-02T00:00:00Z'));
    const newer = applyActivity(older, act('a3', '2024-01-03T00:00:00Z'), opts).state;
    expect(newer.firstSeenAt).toEqual(new Date('2024-01-01T00:00:00Z'));
    expect(newer.lastActivityAt).toEqual(new Date('2024-01-03T00:00:00Z'));
  });

  it('keeps visitor ids as a sorted set and ignores junk visitor ids', () => {
    let s = applyActivity(base, act('a3', '2024-01-03T00:00:00Z', {}, 'v-a'), opts).state;
    s = applyActivity(s, act('a4', '2024-01-04T00:00:00Z', {}, 'v-b'), opts).state;
    s = applyActivity(s, act('a5', '2024-01-05T00:00:00Z', {}, 'undefined'), opts).state;
    s = applyActivity(s, act('a6', '2024-01-06T00:00:00Z', {}, ' NULL '), opts).state;
    s = applyActivity(s, act('a7', '2024-01-07T00:00:00Z', {}, ''), opts).state;
    expect(s.visitorIds).toEqual(['v-a', 'v-b']);
  });

  it('caps recent activities at recentLimit, newest first', () => {
    let s = base;
    for (const [id, t] of [['a5', '2024-01-05'], ['a1', '2024-01-01'], ['a4', '2024-01-04'], ['a3', '2024-01-03']] as const) {
      s = applyActivity(s, act(id, `${t}T00:00:00Z`), opts).state;
    }
    expect(s.recentActivities.map((r) => r.activityId)).toEqual(['a5', 'a4', 'a3']);
  });

  it('never changes identifiers and does not mutate the input state', () => {
    const before = structuredClone(base);
    const after = applyActivity(base, act('a9', '2024-02-01T00:00:00Z', { plan: 'Free' }, 'v-z'), opts).state;
    expect(base).toEqual(before);
    expect(after.email).toBe('ann@example.com');
    expect(after.phone).toBeNull();
  });

  it('passes field warnings through', () => {
    expect(applyActivity(base, act('a9', '2024-02-01T00:00:00Z', { employees: 'lots', $where: '1' }), opts).warnings).toEqual([
      'field_key_invalid:$where',
      'field_type_mismatch:employees',
    ]);
  });
});

describe('withIdentifiers', () => {
  const s = (email: string | null, phone: string | null): ContactState => ({
    email,
    phone,
    fields: {},
    recentActivities: [],
    recentPageViews: [],
    visitorIds: [],
    firstSeenAt: new Date(0),
    lastActivityAt: new Date(0),
  });

  it.each<[string, ContactState, string | null, string | null, { email: string | null; phone: string | null }]>([
    ['fills a missing email', s(null, '+1'), 'a@x.com', null, { email: 'a@x.com', phone: '+1' }],
    ['fills a missing phone', s('a@x.com', null), null, '+1', { email: 'a@x.com', phone: '+1' }],
    ['never replaces an email', s('a@x.com', null), 'b@x.com', null, { email: 'a@x.com', phone: null }],
    ['never replaces a phone', s(null, '+1'), null, '+2', { email: null, phone: '+1' }],
    ['nulls change nothing', s('a@x.com', '+1'), null, null, { email: 'a@x.com', phone: '+1' }],
  ])('%s', (_label, state, setEmail, setPhone, expected) => {
    const out = withIdentifiers(state, setEmail, setPhone);
    expect({ email: out.email, phone: out.phone }).toEqual(expected);
    expect(out).not.toBe(state);
  });
});

describe('properties', () => {
  // Few keys, few values, few distinct instants: collisions and equal timestamps are the norm.
  const keyArb = fc.constantFrom('plan', 'employees', 'first_source', 'mobile', 'note', 'score', 'bad.key');
  const valueArb: fc.Arbitrary<FieldValue> = fc.oneof(
    fc.constantFrom<FieldValue>('Pro', 'free', 'Gold', 'x', 'y', '', '  ', null, '12', 'twelve', '(415) 555-2671', '000-000-0000'),
    fc.integer({ min: -2, max: 2 }),
    fc.boolean(),
  );
  const activityBodyArb = fc.record({
    minute: fc.integer({ min: 0, max: 3 }),
    fields: fc.dictionary(keyArb, valueArb, { maxKeys: 4 }),
    visitorId: fc.option(fc.constantFrom('v1', 'v2', 'v3', 'null'), { nil: null }),
    type: fc.constantFrom('page_viewed', 'form_submitted'),
  });
  // Unique ids: one id is one activity, as in production (id = idempotency key).
  const activitiesArb = fc.array(activityBodyArb, { minLength: 1, maxLength: 8 }).map((bodies) =>
    bodies.map(
      (b, i): CanonicalActivity => ({
        id: `act-${String.fromCharCode(97 + ((i * 5) % 8))}${i}`,
        type: b.type,
        source: `src-${i % 2}`,
        occurredAt: new Date(Date.UTC(2024, 0, 1, 0, b.minute)),
        email: null,
        phone: null,
        country: null,
        fields: b.fields,
        visitorId: b.visitorId,
        externalId: null,
      }),
    ),
  );
  const withPermutation = activitiesArb.chain((acts) =>
    fc.tuple(fc.constant(acts), fc.shuffledSubarray(acts, { minLength: acts.length, maxLength: acts.length })),
  );

  const fold = (acts: CanonicalActivity[], o: MergeOptions = opts): ContactState => {
    const [first, ...rest] = acts;
    let state = newContactState('ann@example.com', null, first!, o).state;
    for (const a of rest) state = applyActivity(state, a, o).state;
    return state;
  };

  it('applying a set of activities gives the same state in every order', () => {
    fc.assert(
      fc.property(withPermutation, fc.integer({ min: 0, max: 4 }), ([acts, shuffled], recentLimit) => {
        const o = { ...opts, recentLimit };
        expect(fold(shuffled, o)).toEqual(fold(acts, o));
      }),
      { numRuns: 300 },
    );
  });

  it('applying an activity twice equals applying it once', () => {
    fc.assert(
      fc.property(activitiesArb, fc.nat(), (acts, pick) => {
        const state = fold(acts);
        const again = acts[pick % acts.length]!;
        const once = applyActivity(state, again, opts);
        expect(applyActivity(once.state, again, opts).state).toEqual(once.state);
        // Every activity was already applied in `state`, so replaying any of them is a no-op.
        expect(once.state).toEqual(state);
      }),
      { numRuns: 300 },
    );
  });

  it('replaying a whole history (duplicates interleaved) changes nothing', () => {
    fc.assert(
      fc.property(withPermutation, ([acts, shuffled]) => {
        expect(fold([...acts, ...shuffled])).toEqual(fold(acts));
      }),
    );
  });

  it('recent activities never exceed the cap and stay newest first', () => {
    fc.assert(
      fc.property(activitiesArb, fc.integer({ min: 0, max: 5 }), (acts, recentLimit) => {
        const { recentActivities } = fold(acts, { ...opts, recentLimit });
        expect(recentActivities.length).toBeLessThanOrEqual(recentLimit);
        expect(recentActivities.length).toBe(Math.min(recentLimit, acts.length));
        for (let i = 1; i < recentActivities.length; i++) {
          expect(recentActivities[i - 1]!.occurredAt.getTime()).toBeGreaterThanOrEqual(recentActivities[i]!.occurredAt.getTime());
        }
      }),
    );
  });

  it('set-once fields hold the earliest (time, id) non-empty valid value', () => {
    fc.assert(
      fc.property(activitiesArb, (acts) => {
        const state = fold(acts);
        const setters = acts
          .filter((a) => {
            const v = a.fields.first_source;
            return v !== undefined && v !== null && !(typeof v === 'string' && v.trim() === '');
          })
          .sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || (a.id < b.id ? -1 : 1));
        expect(state.fields.first_source?.activityId).toBe(setters[0]?.id);
      }),
    );
  });
});
