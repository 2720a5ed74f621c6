import type { ContactSort } from '../domain/contact-search';
import type { ContactState, StatusProvenance } from '../domain/types';

/** A stored contact, as plain data (never a mongoose document). */
export interface ContactRecord extends ContactState {
  id: string;
  account: string;
  status: string;
  /** The event that set the status; null while it is the default the contact was created with. */
  statusSet: StatusProvenance | null;
  /** Optimistic-concurrency version: every write must name the version it read. */
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewContact {
  id: string;
  account: string;
  /** The contact's status: the creating activity's (state.status) when it set one, else the account's default. */
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

/** Where a page of a sorted contact list ends: the last contact's sort value (see sortValueOf) and id. */
export interface ContactPosition {
  value: number | string;
  id: string;
}

/** The operator's contact list (GET /v1/contacts): filters, one sort, keyset paging. */
export interface ContactSearchQuery {
  /**
   * Folded prefixes (searchPrefixes in src/domain/contact-search.ts): a contact matches when one of
   * its search terms starts with one of them. Plain strings, never patterns.
   */
  prefixes?: readonly string[];
  status?: string;
  /** firstSeenAt within [capturedFrom, capturedTo). */
  capturedFrom?: Date;
  capturedTo?: Date;
  /** lastActivityAt and firstSeenAt newest first, name ascending; ties by id in the same direction. */
  sort: ContactSort;
  /** The page starts after this position. */
  after?: ContactPosition;
  limit: number;
}

export interface ContactSearchPage {
  data: ContactRecord[];
  /** The last contact's position when more may follow, else null. */
  next: ContactPosition | null;
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
  /**
   * Replaces the event-derived state if the stored version still equals `expectedVersion`. The
   * status is written when the state carries one (state.status, state.statusSet), else kept.
   */
  update(account: string, id: string, expectedVersion: number, state: ContactState): Promise<ContactRecord>;
  list(account: string, query: ContactListQuery): Promise<Page<ContactRecord>>;
  delete(account: string, id: string): Promise<boolean>;
  count(account: string): Promise<number>;

  // Contact statuses (operator API).
  /** How many of the account's contacts hold this status. */
  countByStatus(account: string, status: string): Promise<number>;
  /**
   * Moves every contact of the account holding status `from` to `to` (a write per contact, each
   * bumping its version so a concurrent versioned update re-reads); how many moved.
   */
  replaceStatus(account: string, from: string, to: string): Promise<number>;

  // Operator contact list (GET /v1/contacts).
  /** One page of the account's contacts, filtered and sorted; every index it needs is declared. */
  search(account: string, query: ContactSearchQuery): Promise<ContactSearchPage>;
}
