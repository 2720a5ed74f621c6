import fc from 'fast-check';
import { applyActivity, newContactState, sameContactState } from '../../../src/domain/contact-merge';
import type { CanonicalActivity, ContactState, MergeOptions } from '../../../src/domain/types';

const opts: MergeOptions = { fieldDefinitions: new Map(), recentLimit: 3, defaultCountry: 'US' };

const activityArb = fc.record({
  id: fc.constantFrom('a1', 'a2', 'a3', 'a4', 'a5'),
  day: fc.integer({ min: 1, max: 5 }),
  key: fc.constantFrom('plan', 'seats', 'team'),
  value: fc.oneof(fc.constantFrom('pro', 'free'), fc.integer({ min: 0, max: 3 }), fc.boolean()),
  visitor: fc.option(fc.constantFrom('v1', 'v2')),
});

type Generated = { id: string; day: number; key: string; value: string | number | boolean; visitor: string | null };

const toActivity = (a: Generated): CanonicalActivity => ({
  id: a.id,
  type: 'form',
  source: 'web',
  occurredAt: new Date(Date.UTC(2026, 0, a.day)),
  email: null,
  phone: null,
  country: null,
  fields: { [a.key]: a.value },
  visitorId: a.visitor,
  externalId: null,
});

function build(list: Generated[]): ContactState {
  const [first, ...rest] = list.map(toActivity);
  let state = newContactState('x@example.com', null, first!, opts).state;
  for (const a of rest) state = applyActivity(state, a, opts).state;
  return state;
}

describe('sameContactState', () => {
  it('agrees with comparing the serialized states', () => {
    fc.assert(
      fc.property(fc.array(activityArb, { minLength: 1, maxLength: 6 }), fc.array(activityArb, { minLength: 1, maxLength: 6 }), (x, y) => {
        const a = build(x);
        const b = build(y);
        expect(sameContactState(a, b)).toBe(JSON.stringify(a) === JSON.stringify(b));
        expect(sameContactState(a, structuredClone(a))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('sees a replayed activity as no change, and a new one as a change', () => {
    const state = build([{ id: 'a1', day: 2, key: 'plan', value: 'pro', visitor: null }]);
    const again = applyActivity(state, toActivity({ id: 'a1', day: 2, key: 'plan', value: 'pro', visitor: null }), opts).state;
    const other = applyActivity(state, toActivity({ id: 'a2', day: 1, key: 'team', value: 'x', visitor: null }), opts).state;
    expect(sameContactState(state, again)).toBe(true);
    expect(sameContactState(state, other)).toBe(false);
  });
});
