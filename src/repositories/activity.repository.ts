import type { FieldValue } from '../domain/types';

export type ActivityOutcome = 'processed' | 'unidentified';

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
  warnings: string[];
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
   * Overwrites the activity only while the stored one is still unidentified: a reprocess replaces
   * it once, and a second (or concurrent) run finds it processed and changes nothing.
   */
  replaceUnidentified(record: ActivityRecord): Promise<boolean>;
}

export interface UnidentifiedFilter {
  since?: Date;
  until?: Date;
  after?: string;
  limit: number;
}
