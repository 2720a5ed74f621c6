import { createHmac } from 'node:crypto';

export type SuppressionKind = 'email' | 'phone';

export interface SuppressionHash {
  kind: SuppressionKind;
  hash: string;
}

/** The server-side key must be long enough that guessing it is out of reach. */
export const MIN_SUPPRESSION_KEY_LENGTH = 32;

/**
 * Keyed one-way hashes of an erased person's normalized identifiers (DESIGN identity rule 8).
 *
 * HMAC-SHA256 under a server-side key, not a plain sha256: the set of plausible emails and phone
 * numbers is small enough to hash exhaustively, so an unkeyed hash in a database dump gives the
 * people back; without the key (kept in configuration, never in the store) it does not.
 * The message is `account \0 kind \0 value`: the same person in two accounts has unrelated hashes
 * (no cross-tenant correlation), and an email can never equal a phone's hash. Values are the
 * normalized forms the worker matches on (lower-case email, E.164 phone), so every spelling that
 * normalizes to the same identifier is suppressed.
 */
export function createSuppressionHasher(key: string) {
  if (key.length < MIN_SUPPRESSION_KEY_LENGTH) throw new Error(`the suppression key needs at least ${MIN_SUPPRESSION_KEY_LENGTH} characters`);
  const hashOf = (account: string, kind: SuppressionKind, value: string): string =>
    createHmac('sha256', key).update(`${account}\0${kind}\0${value}`).digest('hex');

  return {
    hashOf,
    /** The hashes of whichever identifiers are present (none for an activity that has neither). */
    hashes(account: string, ids: { email: string | null; phone: string | null }): SuppressionHash[] {
      const out: SuppressionHash[] = [];
      if (ids.email) out.push({ kind: 'email', hash: hashOf(account, 'email', ids.email) });
      if (ids.phone) out.push({ kind: 'phone', hash: hashOf(account, 'phone', ids.phone) });
      return out;
    },
  };
}

export type SuppressionHasher = ReturnType<typeof createSuppressionHasher>;
