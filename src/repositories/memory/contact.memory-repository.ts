import { contactStateOf } from '../../domain/contact-merge';
import type { ContactState } from '../../domain/types';
import { DuplicateIdentifierError, VersionConflictError } from '../../shared/errors';
import type { ContactListQuery, ContactRecord, ContactRepository, NewContact, Page } from '../contact.repository';
import { AccountNumbers, fnv1a30, HashIndex, type KeyHash } from './hash-index';
import { copy, decodeRow, encodeRow, roundTrip } from './memory-store';
import { RowSlots } from './row-slots';
import { RowSpace } from './row-space';

/** Only the activity-derived state is written: a caller passing a whole record cannot rewrite id or version. */
const pickState = (s: ContactState): ContactState => contactStateOf(s);

// A contact's slot: the record (encodeRow), and its identity, the keys the indexes point by.
const RECORD = 0;
const IDENTITY = 1;
// Its numbers: the account's number (0: never a live contact's), version, lastActivityAt (epoch ms).
const ACCOUNT = 0;
const VERSION = 1;
const LAST_ACTIVITY = 2;

/** What every index look-up checks a candidate against: small to decode, unlike the record. */
type Identity = [id: string, email: string | null, phone: string | null, visitorIds: string[]];
const identityText = (c: ContactRecord): string => JSON.stringify([c.id, c.email, c.phone, c.visitorIds] satisfies Identity);
const sameIdentity = (a: ContactRecord, b: ContactRecord): boolean =>
  a.email === b.email && a.phone === b.phone && a.visitorIds.length === b.visitorIds.length && a.visitorIds.every((v, i) => v === b.visitorIds[i]);

/**
 * Same semantics as the MongoDB implementation, including its unique indexes. Contacts live in
 * numbered slots (row-slots.ts) and every index maps key hashes to slots (hash-index.ts), so the
 * store's size does not grow the V8 heap: the 1M-contact bench slowed because of the heap, not the
 * look-ups (bench/README.md, "Eighth session").
 */
export class MemoryContactRepository implements ContactRepository {
  private readonly slots: RowSlots;
  // Accounts by number: the indexes and the slots hold numbers, not account strings.
  private readonly accountNumbers = new AccountNumbers();

  // The id is the contact's primary key across accounts (ids are global, as MongoDB's _id).
  private readonly byId = new HashIndex();
  // Unique indexes: (account, email) and (account, phone) for email-less contacts.
  private readonly emailIndex = new HashIndex();
  private readonly phoneOnlyIndex = new HashIndex();
  // Not unique: every contact holding a phone, like MongoDB's (account, phone, …) index.
  private readonly phoneIndex = new HashIndex();
  // Not unique either: every contact holding a visitor id (MongoDB's (account, visitorIds, …) index).
  private readonly visitorIndex = new HashIndex();

  /** `hash` is for tests, which make every key collide to prove that no look-up trusts a hash. */
  constructor(
    space: RowSpace = new RowSpace(),
    private readonly hash: KeyHash = fnv1a30,
  ) {
    this.slots = new RowSlots(space, 2, 3);
  }

  async findById(account: string, id: string) {
    await roundTrip();
    const slot = this.slotOf(id);
    return slot >= 0 && this.slots.number(slot, ACCOUNT) === this.accountNumbers.get(account) ? this.load(slot) : null;
  }

  async findByEmail(account: string, email: string) {
    await roundTrip();
    const n = this.accountNumbers.get(account);
    const slot = n === undefined ? -1 : this.slotWithEmail(n, email);
    return slot >= 0 ? this.load(slot) : null;
  }

  async findByPhone(account: string, phone: string, limit: number) {
    await roundTrip();
    const n = this.accountNumbers.get(account);
    return this.byRecency(n === undefined ? [] : this.withPhone(n, phone))
      .slice(0, Math.max(0, limit))
      .map((s) => this.load(s));
  }

  async findByVisitorId(account: string, visitorId: string) {
    await roundTrip();
    const n = this.accountNumbers.get(account);
    if (n === undefined) return null;
    const slots = this.visitorIndex.all(this.hash(n, visitorId), (s) => this.holds(s, n, (c) => c[3].includes(visitorId)));
    const [first] = this.byRecency(slots);
    return first === undefined ? null : this.load(first);
  }

  async create({ id, account, status, state }: NewContact) {
    await roundTrip();
    if (this.slotOf(id) >= 0) throw new DuplicateIdentifierError('id');
    const n = this.accountNumbers.numberFor(account);
    this.assertIdentifiersFree(n, -1, state);
    const now = new Date();
    // Own keys first, the spread last: keys added after a spread cost the young GC (process-activity baseRecord).
    const record: ContactRecord = { id, account, status, version: 1, createdAt: now, updatedAt: now, ...pickState(state) };
    const slot = this.slots.allocate();
    this.write(slot, n, record);
    this.byId.add(this.hash(0, id), slot);
    for (const v of record.visitorIds) this.visitorIndex.add(this.hash(n, v), slot);
    this.indexIdentifiers(slot, n, record);
    // What a read would return, without decoding the bytes just written (copy: no shared objects).
    return copy(record);
  }

  async update(account: string, id: string, expectedVersion: number, state: ContactState) {
    await roundTrip();
    const slot = this.slotOf(id);
    const n = this.accountNumbers.get(account);
    if (slot < 0 || this.slots.number(slot, ACCOUNT) !== n || this.slots.number(slot, VERSION) !== expectedVersion) throw new VersionConflictError();
    this.assertIdentifiersFree(n!, slot, state);
    const current = this.load(slot);
    const next: ContactRecord = { ...current, ...pickState(state), version: current.version + 1, updatedAt: new Date() };
    this.write(slot, n!, next, sameIdentity(current, next));
    this.reindex(slot, n!, current, next);
    return copy(next);
  }

  async list(account: string, query: ContactListQuery): Promise<Page<ContactRecord>> {
    await roundTrip();
    const n = this.accountNumbers.get(account);
    if (query.limit < 1 || n === undefined) return { data: [], nextCursor: null };
    // Candidates from an index when the query names a key, as MongoDB's planner would pick one.
    const candidates =
      query.email !== undefined
        ? [this.slotWithEmail(n, query.email)].filter((s) => s >= 0)
        : query.phone !== undefined
          ? this.withPhone(n, query.phone)
          : this.slotsOf(n);
    const rows = candidates
      .map((slot) => ({ slot, identity: this.identity(slot) }))
      .filter(
        ({ identity: [id, email, phone] }) =>
          (query.email === undefined || email === query.email) &&
          (query.phone === undefined || phone === query.phone) &&
          (query.cursor === undefined || id > query.cursor),
      )
      .sort((a, b) => (a.identity[0] < b.identity[0] ? -1 : 1));
    const data = rows.slice(0, query.limit).map((r) => this.load(r.slot));
    return { data, nextCursor: rows.length > query.limit ? data[data.length - 1]!.id : null };
  }

  async delete(account: string, id: string) {
    await roundTrip();
    const slot = this.slotOf(id);
    const n = this.accountNumbers.get(account);
    if (slot < 0 || this.slots.number(slot, ACCOUNT) !== n) return false;
    const [, email, phone, visitorIds] = this.identity(slot);
    for (const v of visitorIds) this.visitorIndex.remove(this.hash(n!, v), slot);
    this.unindexIdentifiers(slot, n!, { email, phone });
    this.byId.remove(this.hash(0, id), slot);
    this.slots.free(slot);
    return true;
  }

  async count(account: string) {
    await roundTrip();
    const n = this.accountNumbers.get(account);
    return n === undefined ? 0 : this.slotsOf(n).length;
  }

  private write(slot: number, n: number, record: ContactRecord, identityUnchanged = false): void {
    this.slots.setText(slot, RECORD, encodeRow(record));
    if (!identityUnchanged) this.slots.setText(slot, IDENTITY, identityText(record));
    this.slots.setNumber(slot, ACCOUNT, n);
    this.slots.setNumber(slot, VERSION, record.version);
    this.slots.setNumber(slot, LAST_ACTIVITY, record.lastActivityAt.getTime());
  }

  private load(slot: number): ContactRecord {
    return decodeRow<ContactRecord>(this.slots.text(slot, RECORD));
  }

  private identity(slot: number): Identity {
    return JSON.parse(this.slots.text(slot, IDENTITY)) as Identity;
  }

  /** Whether the slot is a contact of account number `n` whose identity passes `test`. */
  private holds(slot: number, n: number, test: (identity: Identity) => boolean): boolean {
    return this.slots.number(slot, ACCOUNT) === n && test(this.identity(slot));
  }

  private slotOf(id: string): number {
    return this.byId.first(this.hash(0, id), (s) => this.identity(s)[0] === id);
  }

  private slotsOf(n: number): number[] {
    const out: number[] = [];
    for (const s of this.slots.liveSlots()) if (this.slots.number(s, ACCOUNT) === n) out.push(s);
    return out;
  }

  /** The contact of account number `n` holding the email (other than slot `except`), or -1. */
  private slotWithEmail(n: number, email: string, except = -1): number {
    return this.emailIndex.first(this.hash(n, email), (s) => s !== except && this.holds(s, n, (c) => c[1] === email));
  }

  private withPhone(n: number, phone: string): number[] {
    return this.phoneIndex.all(this.hash(n, phone), (s) => this.holds(s, n, (c) => c[2] === phone));
  }


  /**
   * The unique indexes: a key held by another contact of the account is refused, as MongoDB's
   * E11000. `own` is the slot being updated (-1 on create): it may keep its keys, and is not decoded.
   */
  private assertIdentifiersFree(n: number, own: number, state: ContactState) {
    const { email, phone } = state;
    if (email && this.slotWithEmail(n, email, own) >= 0) {
      throw new DuplicateIdentifierError('email');
    }
    if (!email && phone && this.phoneOnlyIndex.first(this.hash(n, phone), (s) => s !== own && this.holds(s, n, (c) => c[1] === null && c[2] === phone)) >= 0) {
      throw new DuplicateIdentifierError('phone');
    }
  }

  private indexIdentifiers(slot: number, n: number, c: Pick<ContactRecord, 'email' | 'phone'>) {
    if (c.phone) this.phoneIndex.add(this.hash(n, c.phone), slot);
    if (c.email) this.emailIndex.add(this.hash(n, c.email), slot);
    else if (c.phone) this.phoneOnlyIndex.add(this.hash(n, c.phone), slot);
  }

  private unindexIdentifiers(slot: number, n: number, c: Pick<ContactRecord, 'email' | 'phone'>) {
    if (c.phone) this.phoneIndex.remove(this.hash(n, c.phone), slot);
    if (c.email) this.emailIndex.remove(this.hash(n, c.email), slot);
    else if (c.phone) this.phoneOnlyIndex.remove(this.hash(n, c.phone), slot);
  }

  /**
   * Only what changed: a contact matched again usually keeps its identifiers and gains at most one
   * visitor id, and re-indexing all of them cost a few map operations per visitor id per update.
   */
  private reindex(slot: number, n: number, before: ContactRecord, after: ContactRecord) {
    if (before.email !== after.email || before.phone !== after.phone) {
      this.unindexIdentifiers(slot, n, before);
      this.indexIdentifiers(slot, n, after);
    }
    const had = new Set(before.visitorIds);
    const has = new Set(after.visitorIds);
    for (const v of had) if (!has.has(v)) this.visitorIndex.remove(this.hash(n, v), slot);
    for (const v of has) if (!had.has(v)) this.visitorIndex.add(this.hash(n, v), slot);
  }

  /** Most recent activity first, then by id: the order MongoDB's (…, lastActivityAt: -1, _id) index gives. */
  private byRecency(slots: number[]): number[] {
    if (slots.length < 2) return slots;
    // Ids are decoded only to break a tie: nearly every sort is decided by lastActivityAt.
    const idOf = (slot: number) => this.identity(slot)[0];
    return [...slots].sort((a, b) => this.slots.number(b, LAST_ACTIVITY) - this.slots.number(a, LAST_ACTIVITY) || (idOf(a) < idOf(b) ? -1 : 1));
  }
}
