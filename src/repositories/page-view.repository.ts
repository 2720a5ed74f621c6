/** One document per accepted page view. */
export interface PageViewRecord {
  /** The `act_…` id the intake derived from the idempotency key (page-view namespace). */
  id: string;
  account: string;
  /** The anonymous visitor id (cookie) the view was made under. */
  visitorId: string;
  url: string;
  title: string | null;
  referrer: string | null;
  viewedAt: Date;
  receivedAt: Date;
  /** The contact the view is attached to, once one holds its visitor id (stitching). */
  contactId: string | null;
}

export interface PageViewRepository {
  /** Idempotent: unique per (account, id). A second insert of the same id changes nothing. */
  insert(record: PageViewRecord): Promise<'inserted' | 'exists'>;
  findById(account: string, id: string): Promise<PageViewRecord | null>;
  /** Views of the visitor no contact holds yet, newest first by viewedAt (id descending on ties). */
  listUnattached(account: string, visitorId: string, limit: number): Promise<PageViewRecord[]>;
  /**
   * Compare-and-set of contactId from null. True when the view now belongs to `contactId` (set now
   * or already), false when it is missing or another contact holds it: the first attach wins.
   */
  attach(account: string, id: string, contactId: string): Promise<boolean>;
  count(account: string): Promise<number>;

  // GDPR erase (POST /v1/contacts/{id}/erase).
  /** Every view of the visitor, attached or not, as (id, contactId): the caller picks what to erase. */
  listIdsOfVisitor(account: string, visitorId: string): Promise<{ id: string; contactId: string | null }[]>;
  /** Deletes these views of the account; returns how many existed. */
  deleteByIds(account: string, ids: readonly string[]): Promise<number>;

  // Contact deletion (DELETE /v1/contacts/{id}).
  /**
   * The views attached to a deleted contact become anonymous again (contactId null), so they stay in
   * the account's history and join whichever contact later holds their visitor id. A contact's views
   * are all views of its visitor ids (stitching attaches only those), so these name where to look.
   */
  detachContact(account: string, contactId: string, visitorIds: readonly string[]): Promise<number>;
}
