import type { CandidateContact, ResolutionCandidates, ResolutionDecision, Warning } from './types';

export interface ResolvedIdentifiers {
  email: string | null;
  phone: string | null;
}

const time = (d: Date): number => {
  const t = d.getTime();
  // A corrupt date must not win "most recent" nor make the ordering depend on input order.
  return Number.isNaN(t) ? Number.NEGATIVE_INFINITY : t;
};

// Plain code-unit comparison, not localeCompare: the winner must not depend on the host's locale.
const compareIds = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Most recently active first; equal times go to the smaller id so every worker picks the same. */
function mostRecent(contacts: readonly CandidateContact[]): CandidateContact | undefined {
  let best: CandidateContact | undefined;
  for (const c of contacts) {
    if (
      best === undefined ||
      time(c.lastActivityAt) > time(best.lastActivityAt) ||
      (time(c.lastActivityAt) === time(best.lastActivityAt) && compareIds(c.id, best.id) < 0)
    ) {
      best = c;
    }
  }
  return best;
}

/**
 * Rules 2–4 of DESIGN.md "Identity rules". Pure: the repository gathers the candidates, this picks.
 *
 * Candidates are re-checked against the identifiers (a candidate whose email or phone does not
 * match is ignored) so that a sloppy query can never make this attach an activity to a stranger.
 */
export function decideResolution(ids: ResolvedIdentifiers, candidates: ResolutionCandidates): ResolutionDecision {
  const { email, phone } = ids;
  const byEmail = email !== null && candidates.byEmail?.email === email ? candidates.byEmail : null;
  const phoneHolders =
    phone === null ? [] : candidates.byPhone.filter((c) => c.phone === phone && c.id !== byEmail?.id);

  if (byEmail !== null) {
    if (phone === null || byEmail.phone === phone) {
      return { kind: 'use', contactId: byEmail.id, setEmail: null, setPhone: null, warnings: [] };
    }
    if (byEmail.phone !== null) {
      // The email is the stronger identifier; a second phone is recorded on the activity only,
      // never silently swapped in (it could be a colleague's or a switchboard).
      return {
        kind: 'use',
        contactId: byEmail.id,
        setEmail: null,
        setPhone: null,
        warnings: ['phone_differs_from_contact'],
      };
    }
    // Phones are shared (households, switchboards): giving it to this contact takes nothing away
    // from the others, and contacts are never merged automatically.
    const warnings: Warning[] = phoneHolders.length > 0 ? ['phone_kept_on_other_contact'] : [];
    return { kind: 'use', contactId: byEmail.id, setEmail: null, setPhone: phone, warnings };
  }

  if (email !== null) {
    const claimable = mostRecent(phoneHolders.filter((c) => c.email === null));
    if (claimable !== undefined) {
      return { kind: 'use', contactId: claimable.id, setEmail: email, setPhone: null, warnings: [] };
    }
    // Every holder of the phone already has another email: this is another person sharing it.
    const warnings: Warning[] = phoneHolders.length > 0 ? ['phone_kept_on_other_contact'] : [];
    return { kind: 'create', email, phone, warnings };
  }

  if (phone !== null) {
    const holder = mostRecent(phoneHolders);
    if (holder !== undefined) {
      return { kind: 'use', contactId: holder.id, setEmail: null, setPhone: null, warnings: [] };
    }
    return { kind: 'create', email: null, phone, warnings: [] };
  }

  return { kind: 'unidentified', warnings: [] };
}
