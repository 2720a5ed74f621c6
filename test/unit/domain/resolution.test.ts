import fc from 'fast-check';
import { decideResolution } from '../../../src/domain/resolution';
import type { CandidateContact, ResolutionCandidates, ResolutionDecision } from '../../../src/domain/types';

const EMAIL = 'ann@example.com';
const PHONE = '+14155552671';
const OTHER_PHONE = '+12124567890';

const c = (id: string, email: string | null, phone: string | null, lastActivityAt = '2024-01-01T00:00:00Z'): CandidateContact => ({
  id,
  email,
  phone,
  lastActivityAt: new Date(lastActivityAt),
});

const use = (contactId: string, setEmail: string | null, setPhone: string | null, warnings: string[] = []): ResolutionDecision => ({
  kind: 'use',
  contactId,
  setEmail,
  setPhone,
  warnings,
});

type Row = [label: string, ids: { email: string | null; phone: string | null }, candidates: ResolutionCandidates, expected: ResolutionDecision];

describe('decideResolution', () => {
  it.each<Row>([
    // Rule 2: the email decides.
    ['email match, no phone on activity', { email: EMAIL, phone: null }, { byEmail: c('A', EMAIL, null), byPhone: [] }, use('A', null, null)],
    ['email match, same phone', { email: EMAIL, phone: PHONE }, { byEmail: c('A', EMAIL, PHONE), byPhone: [c('A', EMAIL, PHONE)] }, use('A', null, null)],
    ['email match, contact has no phone → phone set', { email: EMAIL, phone: PHONE }, { byEmail: c('A', EMAIL, null), byPhone: [] }, use('A', null, PHONE)],
    [
      'email match, phone held by B with another email → phone on both',
      { email: EMAIL, phone: PHONE },
      { byEmail: c('A', EMAIL, null), byPhone: [c('B', 'bob@example.com', PHONE)] },
      use('A', null, PHONE, ['phone_kept_on_other_contact']),
    ],
    [
      'email match, phone held by phone-only B → phone on both, B untouched',
      { email: EMAIL, phone: PHONE },
      { byEmail: c('A', EMAIL, null), byPhone: [c('B', null, PHONE)] },
      use('A', null, PHONE, ['phone_kept_on_other_contact']),
    ],
    [
      'email match, contact has a different phone → nothing changes',
      { email: EMAIL, phone: PHONE },
      { byEmail: c('A', EMAIL, OTHER_PHONE), byPhone: [c('B', null, PHONE)] },
      use('A', null, null, ['phone_differs_from_contact']),
    ],
    [
      'email match wins over a more recent phone holder',
      { email: EMAIL, phone: PHONE },
      { byEmail: c('A', EMAIL, PHONE, '2020-01-01T00:00:00Z'), byPhone: [c('A', EMAIL, PHONE, '2020-01-01T00:00:00Z'), c('B', null, PHONE, '2024-01-01T00:00:00Z')] },
      use('A', null, null),
    ],
    // Rule 2, no email match.
    [
      'no email match, phone held by a contact without email → claim it',
      { email: EMAIL, phone: PHONE },
      { byEmail: null, byPhone: [c('B', null, PHONE)] },
      use('B', EMAIL, null),
    ],
    [
      'no email match, several email-less holders → most recent',
      { email: EMAIL, phone: PHONE },
      { byEmail: null, byPhone: [c('B', null, PHONE, '2024-01-01T00:00:00Z'), c('C', null, PHONE, '2024-06-01T00:00:00Z')] },
      use('C', EMAIL, null),
    ],
    [
      'no email match, email-less holders tied on time → smaller id',
      { email: EMAIL, phone: PHONE },
      { byEmail: null, byPhone: [c('c2', null, PHONE), c('c10', null, PHONE), c('c3', null, PHONE)] },
      use('c10', EMAIL, null),
    ],
    [
      'no email match, a more recent holder with email is skipped for an email-less one',
      { email: EMAIL, phone: PHONE },
      { byEmail: null, byPhone: [c('B', 'bob@example.com', PHONE, '2024-09-01T00:00:00Z'), c('C', null, PHONE, '2024-01-01T00:00:00Z')] },
      use('C', EMAIL, null),
    ],
    [
      'no email match, every holder has another email → create, phone shared',
      { email: EMAIL, phone: PHONE },
      { byEmail: null, byPhone: [c('B', 'bob@example.com', PHONE)] },
      { kind: 'create', email: EMAIL, phone: PHONE, warnings: ['phone_kept_on_other_contact'] },
    ],
    ['no email match, nobody has the phone → create with both', { email: EMAIL, phone: PHONE }, { byEmail: null, byPhone: [] }, { kind: 'create', email: EMAIL, phone: PHONE, warnings: [] }],
    ['email only, unknown → create email-only', { email: EMAIL, phone: null }, { byEmail: null, byPhone: [] }, { kind: 'create', email: EMAIL, phone: null, warnings: [] }],
    // Rule 3: phone only.
    ['phone only, one holder', { email: null, phone: PHONE }, { byEmail: null, byPhone: [c('B', 'bob@example.com', PHONE)] }, use('B', null, null)],
    [
      'phone only, several holders → most recent',
      { email: null, phone: PHONE },
      { byEmail: null, byPhone: [c('B', 'bob@example.com', PHONE, '2024-01-01T00:00:00Z'), c('C', null, PHONE, '2023-01-01T00:00:00Z'), c('D', 'dan@example.com', PHONE, '2024-03-01T00:00:00Z')] },
      use('D', null, null),
    ],
    [
      'phone only, tie on time → smaller id (code-unit order)',
      { email: null, phone: PHONE },
      { byEmail: null, byPhone: [c('b', null, PHONE), c('B', null, PHONE), c('a', null, PHONE)] },
      use('B', null, null),
    ],
    ['phone only, unknown → create phone-only', { email: null, phone: PHONE }, { byEmail: null, byPhone: [] }, { kind: 'create', email: null, phone: PHONE, warnings: [] }],
    // Rule 4.
    ['neither → unidentified', { email: null, phone: null }, { byEmail: null, byPhone: [] }, { kind: 'unidentified', warnings: [] }],
    // Defensive: candidates that do not carry the identifiers are ignored.
    ['neither, stray candidates ignored', { email: null, phone: null }, { byEmail: c('A', EMAIL, null), byPhone: [c('B', null, PHONE)] }, { kind: 'unidentified', warnings: [] }],
    [
      'byEmail with another email is ignored',
      { email: EMAIL, phone: null },
      { byEmail: c('A', 'other@example.com', null), byPhone: [] },
      { kind: 'create', email: EMAIL, phone: null, warnings: [] },
    ],
    [
      'byPhone with another phone is ignored',
      { email: null, phone: PHONE },
      { byEmail: null, byPhone: [c('B', null, OTHER_PHONE)] },
      { kind: 'create', email: null, phone: PHONE, warnings: [] },
    ],
  ])('%s', (_label, ids, candidates, expected) => {
    expect(decideResolution(ids, candidates)).toEqual(expected);
  });

  it('does not depend on the order of byPhone', () => {
    const holders = [c('B', null, PHONE, '2024-01-01T00:00:00Z'), c('C', null, PHONE, '2024-01-01T00:00:00Z'), c('D', 'd@x.com', PHONE, '2025-01-01T00:00:00Z')];
    const reversed = [...holders].reverse();
    for (const email of [EMAIL, null]) {
      expect(decideResolution({ email, phone: PHONE }, { byEmail: null, byPhone: holders })).toEqual(
        decideResolution({ email, phone: PHONE }, { byEmail: null, byPhone: reversed }),
      );
    }
  });

  describe('properties', () => {
    const emailArb = fc.constantFrom('a@x.com', 'b@x.com', 'c@x.com');
    const phoneArb = fc.constantFrom('+14155552671', '+12124567890', '+442079460018');
    const candidateArb = fc.record({
      id: fc.constantFrom('k1', 'k2', 'k3', 'k4', 'k5'),
      email: fc.option(emailArb, { nil: null }),
      phone: fc.option(phoneArb, { nil: null }),
      lastActivityAt: fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2020-01-10T00:00:00Z'), noInvalidDate: true }),
    });
    const idsArb = fc.record({ email: fc.option(emailArb, { nil: null }), phone: fc.option(phoneArb, { nil: null }) });
    const candidatesArb = fc.record({ byEmail: fc.option(candidateArb, { nil: null }), byPhone: fc.array(candidateArb, { maxLength: 6 }) });

    it('never uses a contact that is not among the candidates, and only matching ones', () => {
      fc.assert(
        fc.property(idsArb, candidatesArb, (ids, candidates) => {
          const decision = decideResolution(ids, candidates);
          if (decision.kind !== 'use') return;
          const all = [...(candidates.byEmail ? [candidates.byEmail] : []), ...candidates.byPhone];
          const chosen = all.filter((k) => k.id === decision.contactId);
          expect(chosen.length).toBeGreaterThan(0);
          expect(chosen.some((k) => (ids.email !== null && k.email === ids.email) || (ids.phone !== null && k.phone === ids.phone))).toBe(true);
        }),
      );
    });

    it('never sets an identifier the contact already has, and never invents identifiers', () => {
      fc.assert(
        fc.property(idsArb, candidatesArb, (ids, candidates) => {
          const decision = decideResolution(ids, candidates);
          if (decision.kind === 'use') {
            if (decision.setEmail !== null) expect(decision.setEmail).toBe(ids.email);
            if (decision.setPhone !== null) expect(decision.setPhone).toBe(ids.phone);
          }
          if (decision.kind === 'create') {
            expect({ email: decision.email, phone: decision.phone }).toEqual(ids);
          }
          if (decision.kind === 'unidentified') {
            expect(ids).toEqual({ email: null, phone: null });
          }
        }),
      );
    });

    it('an email match is always used when it carries the email', () => {
      fc.assert(
        fc.property(emailArb, fc.option(phoneArb, { nil: null }), candidateArb, fc.array(candidateArb, { maxLength: 4 }), (email, phone, byEmail, byPhone) => {
          const decision = decideResolution({ email, phone }, { byEmail: { ...byEmail, email }, byPhone });
          expect(decision).toMatchObject({ kind: 'use', contactId: byEmail.id });
        }),
      );
    });
  });
});
