import type { FieldValue } from '../domain/types';

/**
 * suppressed: the activity carried an identifier of an erased person whose identifiers are
 * suppressed; it is recorded without PII (no identifiers, fields or payload) and creates no contact.
 * pending: the worker has decided which contact the activity belongs to (the claim) but has not
 * finished applying it; a retry completes the same decision instead of deciding anew.
 */
export type ActivityOutcome = 'pending' | 'processed' | 'unidentified' | 'suppressed';

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
  /**
   * Facts of the activity only (a meeting's start time, event type, cancellation reason, a form's
   * answers no contact field claims): shown in the timeline, never merged into the contact.
   * Absent on records that carry none.
   */
  details?: Record<string, FieldValue>;
  outcome: ActivityOutcome;
  contactId: string | null;
  /** Only while pending. */
  claim: ResolutionClaim | null;
  warnings: string[];
  /** The webhook provider whose payload this is (null for canonical activities): a replay re-maps it. */
  provider: string | null;
  /** The raw payload as received, so the activity can be re-derived after a mapping fix. */
  payload: unknown;
  /** The status the activity carried (an operator's edit: the status key it set); absent when none. */
  status?: string | null;
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

  // GDPR erase and the unidentified listing (POST /v1/contacts/{id}/erase, GET /v1/activities).
  /** Ids of every activity recorded for the contact (any order): erase removes their jobs from Redis. */
  listIdsForContact(account: string, contactId: string): Promise<string[]>;
  /** How many activities of the account are unidentified, receivedAt within [since, until). */
  countUnidentified(account: string, filter: { since?: Date; until?: Date }): Promise<number>;

  // A contact's timeline and contact deletion (GET /v1/contacts/{id}/activities, DELETE /v1/contacts/{id}).
  /**
   * The contact's activities newest first by occurredAt (id descending on ties), optionally of one
   * type, starting after `before` (the last entry of the previous page); at most `limit`.
   */
  listTimeline(account: string, contactId: string, query: TimelineQuery): Promise<ActivityRecord[]>;
  /**
   * Deleting a contact keeps its history (identity rule 8): its processed activities lose their
   * contact (contactId null). Pending ones keep their claim, which the worker re-decides when it
   * finds the contact gone. Returns how many were detached.
   */
  detachContact(account: string, contactId: string): Promise<number>;
}

export interface UnidentifiedFilter {
  since?: Date;
  until?: Date;
  after?: string;
  limit: number;
}

export interface TimelineQuery {
  type?: string;
  before?: { occurredAt: Date; id: string };
  limit: number;
}
