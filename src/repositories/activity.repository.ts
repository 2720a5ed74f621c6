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
}
