import type { ContactState } from '../domain/types';

/** A stored contact, as plain data (never a mongoose document). */
export interface ContactRecord extends ContactState {
  id: string;
  account: string;
  status: string;
  /** Optimistic-concurrency version: every write must name the version it read. */
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewContact {
  id: string;
  account: string;
  status: string;
  state: ContactState;
}

export interface ContactListQuery {
  email?: string;
  phone?: string;
  limit: number;
  /** Opaque: the id after which the page starts. */
  cursor?: string;
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

/**
 * Uniqueness that carries correctness (enforced by the store, not by a prior read):
 *  - one contact per (account, email);
 *  - at most one email-less contact per (account, phone), so concurrent phone-only activities
 *    for a new number create one contact.
 * A write that would break either throws DuplicateIdentifierError; the caller re-resolves.
 */
export interface ContactRepository {
  findById(account: string, id: string): Promise<ContactRecord | null>;
  findByEmail(account: string, email: string): Promise<ContactRecord | null>;
  /**
   * Contacts holding the phone: the email-less holder first (there is at most one, by the unique
   * (account, phoneOnly) index), then the others most recently active first (ties: smaller id);
   * at most `limit`. Identity rule 2 needs the email-less holder however many others share the phone.
   */
  findByPhone(account: string, phone: string, limit: number): Promise<ContactRecord[]>;
  /** The contact holding the visitor id; if several do, the most recently active (then smaller id). */
  findByVisitorId(account: string, visitorId: string): Promise<ContactRecord | null>;
  create(contact: NewContact): Promise<ContactRecord>;
  /** Replaces the activity-derived state if the stored version still equals `expectedVersion`. */
  update(account: string, id: string, expectedVersion: number, state: ContactState): Promise<ContactRecord>;
  list(account: string, query: ContactListQuery): Promise<Page<ContactRecord>>;
  delete(account: string, id: string): Promise<boolean>;
  count(account: string): Promise<number>;
}
