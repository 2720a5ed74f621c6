import { applyActivity, newContactState } from '../../../src/domain/contact-merge';
import { LIMITS } from '../../../src/domain/limits';
import type { CanonicalActivity, ContactState, FieldValue, MergeOptions } from '../../../src/domain/types';
import { mapProviderPayloadWithinLimits } from '../../../src/services/mappers';

const opts: MergeOptions = { fieldDefinitions: new Map(), recentLimit: 20, defaultCountry: 'US' };
const act = (id: string, fields: Record<string, FieldValue>, visitorId: string | null = null): CanonicalActivity => ({
  id,
  type: 't',
  source: 'web',
  occurredAt: new Date('2026-01-01T00:00:00Z'),
  email: null,
  phone: null,
  country: null,
  fields,
  visitorId,
  externalId: null,
});
const manyFields = (prefix: string, n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${String(i).padStart(4, '0')}`, 'v']));

/** Everything that grows with a person's activities is bounded (docs/storage.md, "Limits"). */
describe('contact limits', () => {
  it('a full contact keeps its fields: new keys are dropped with a warning, known keys still update', () => {
    let state: ContactState = newContactState('a@example.com', null, act('a0', manyFields('f', LIMITS.fieldsPerActivity)), opts).state;
    state = applyActivity(state, act('a1', manyFields('g', LIMITS.fieldsPerActivity)), opts).state;
    expect(Object.keys(state.fields)).toHaveLength(LIMITS.fieldsPerContact);

    const later: CanonicalActivity = { ...act('a2', { f0000: 'changed', extra: 'new' }), occurredAt: new Date('2026-01-02T00:00:00Z') };
    const { state: after, warnings } = applyActivity(state, later, opts);
    expect(Object.keys(after.fields)).toHaveLength(LIMITS.fieldsPerContact);
    expect(after.fields.f0000!.value).toBe('changed');
    expect(after.fields.extra).toBeUndefined();
    expect(warnings).toEqual(['field_dropped_contact_full:extra']);
    // Applying it again changes nothing and says the same.
    expect(applyActivity(after, later, opts)).toEqual({ state: after, warnings });
  });

  it('a full contact keeps its visitor ids: a source minting one per event cannot grow it', () => {
    let state = newContactState('a@example.com', null, act('a0', {}, 'v-000'), opts).state;
    for (let i = 1; i < LIMITS.visitorIdsPerContact; i++) state = applyActivity(state, act(`a${i}`, {}, `v-${String(i).padStart(3, '0')}`), opts).state;
    expect(state.visitorIds).toHaveLength(LIMITS.visitorIdsPerContact);

    const next = applyActivity(state, act('a-new', {}, 'v-new'), opts);
    expect(next.state.visitorIds).toEqual(state.visitorIds);
    expect(next.warnings).toEqual(['visitor_id_dropped_contact_full']);
    // A visitor id it already holds is no news and no warning.
    expect(applyActivity(state, act('a-old', {}, 'v-007'), opts).warnings).toEqual([]);
  });

  it('a provider payload with more answers than an activity holds keeps the first ones by key, every time', () => {
    const answers = Array.from({ length: LIMITS.fieldsPerActivity + 20 }, (_, i) => ({
      field: { id: `q${i}`, ref: `question_${String(i).padStart(3, '0')}`, type: 'short_text' },
      type: 'text',
      text: `answer ${i}`,
    }));
    const payload = {
      event_id: 'evt_many',
      event_type: 'form_response',
      form_response: { form_id: 'f1', token: 'tok_1', submitted_at: '2026-01-01T00:00:00Z', answers: [{ field: { id: 'e', ref: 'email', type: 'email' }, type: 'email', email: 'a@example.com' }, ...answers], hidden: {} },
    };
    const first = mapProviderPayloadWithinLimits('routing-form', payload);
    expect(Object.keys(first.envelope.fields!)).toHaveLength(LIMITS.fieldsPerActivity);
    expect(first.warnings).toEqual([expect.stringMatching(/^fields_dropped_activity_full:\d+$/)]);
    expect(mapProviderPayloadWithinLimits('routing-form', payload)).toEqual(first);
  });
});
