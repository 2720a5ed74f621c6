import type { FieldValue } from '../domain/types';

/**
 * pending: the worker has decided which contact the activity belongs to (the claim) but has not
 * finished applying it; a retry completes the same decision instead of deciding anew.
 */
export type ActivityOutcome = 'pending' | 'processed' | 'unidentified';

/** The resolution decision, persisted before any contact is touched (see process-activity). */
export interface ResolutionClaim {
  contactId: string;
  /** The contact does not exist yet: create it with this id. */
  create: boolean;
  setEmail: string | null;
  setPhone: string | null;
  warnings: string[];
}

/** One document per accepted activity: the engagement history. */
export interface ActivityRecord {
  id: string;
  account: string;
  type: string;
  source: string;
  occurredAt: Date;
  receivedAt: Date;
  processedAt: Date;
  email: string | null;
  phone: string | null;
  phoneExtension: string | null;
  visitorId: string | null;
  externalId: string | null;
  fields: Record<string, FieldValue>;
  outcome: ActivityOutcome;
  contactId: string | null;
  /** Only while pending. */
  claim: ResolutionClaim | null;
  warnings: string[];
  /** The webhook provider whose payload this is (null for canonical activities): a replay re-maps it. */
  provider: string | null;
  /** The raw payload as received, so the activity can be re-derived after a mapping fix. */
  payload: unknown;
}

export interface ActivityRepository {
  /** Idempotent: unique per (account, id). A second insert of the same id changes nothing. */
  insert(record: ActivityRecord): Promise<'inserted' | 'exists'>;
  findById(account: string, id: string): Promise<ActivityRecord | null>;
  /** Newest first by event time. */
  listForContact(account: string, contactId: string, limit: number): Promise<ActivityRecord[]>;
  count(account: string, filter?: { outcome?: ActivityOutcome }): Promise<number>;
  deleteForContact(account: string, contactId: string): Promise<number>;
  /**
   * Unidentified activities of one account (for replay after a mapping fix), id ascending, paged by
   * `after` (the last id of the previous page). since/until bound receivedAt (inclusive, exclusive).
   */
  listUnidentified(account: string, filter: UnidentifiedFilter): Promise<ActivityRecord[]>;
  /**
   * Compare-and-set: overwrites the activity only while the stored one still has the expected
   * outcome and contact. Two runs of the same job can race here; exactly one wins each step.
   */
  replaceIf(record: ActivityRecord, expected: { outcome: ActivityOutcome; contactId: string | null }): Promise<boolean>;
}

export interface UnidentifiedFilter {
  since?: Date;
  until?: Date;
  after?: string;
  limit: number;
}
