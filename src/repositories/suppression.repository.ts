import type { SuppressionKind } from '../domain/suppression';

/** Which identifier a suppression hash was made from. */
export type SuppressedIdentifier = SuppressionKind;

/**
 * One suppressed identifier of an erased person (DESIGN identity rule 8): only its keyed one-way
 * hash (src/domain/suppression.ts), never the value, so the store cannot give the person back.
 */
export interface SuppressionRecord {
  account: string;
  /** Hex HMAC-SHA256 of (account, kind, normalized value) under the server's suppression key. */
  hash: string;
  kind: SuppressedIdentifier;
  createdAt: Date;
}

/**
 * Uniqueness that carries correctness: one record per (account, hash), so erasing the same person
 * twice, or concurrently, keeps one.
 */
export interface SuppressionRepository {
  /** Idempotent: a second add of the same (account, hash) changes nothing. */
  add(record: SuppressionRecord): Promise<'inserted' | 'exists'>;
  /**
   * The hashes among `hashes` that the account suppresses, in one store operation whatever their
   * number: the worker asks this for every identified activity, alongside its contact look-ups.
   */
  findAny(account: string, hashes: readonly string[]): Promise<string[]>;
  count(account: string): Promise<number>;
}
