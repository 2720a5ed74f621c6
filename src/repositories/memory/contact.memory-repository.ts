import { contactStateOf } from '../../domain/contact-merge';
import type { ContactState } from '../../domain/types';
import { DuplicateIdentifierError, VersionConflictError } from '../../shared/errors';
import type { ContactListQuery, ContactRecord, ContactRepository, NewContact, Page } from '../contact.repository';
import { AccountMap, copy, fromRow, roundTrip, rowWriter, type Row } from './memory-store';
import { RowSpace } from './row-space';

/** Only the activity-derived state is written: a caller passing a whole record cannot rewrite id or version. */
const pickState = (s: ContactState): ContactState => contactStateOf(s);

// visitorIds stay in the bytes only (read back when a contact is re-indexed): one array less per contact.
type IndexedKeys = 'account' | 'id' | 'email' | 'phone' | 'version' | 'lastActivityAt';
const INDEXED: readonly IndexedKeys[] = ['account', 'id', 'email', 'phone', 'version', 'lastActivityAt'];
type ContactRow = Row<ContactRecord, IndexedKeys>;
const load = (row: ContactRow) => fromRow<ContactRecord>(row);

/** Same semantics as the MongoDB implementation, including its unique indexes. */
export class MemoryContactRepository implements ContactRepository {
  private readonly toRow: (record: ContactRecord) => ContactRow;

  constructor(private readonly space: RowSpace = new RowSpace()) {
    this.toRow = rowWriter(INDEXED, space);
  }

  private readonly byId = new Map<string, ContactRow>();
  // Unique indexes: (account, email) and (account, phone) for email-less contacts.
  private readonly emailIndex = new AccountMap<string>();
  private readonly phoneOnlyIndex = new AccountMap<string>();
  // Not unique: every contact holding a phone, like MongoDB's (account, phone, …) index, so
  // findByPhone does not scan every contact (bench/ scaling: 1M contacts).
  private readonly phoneIndex = new MultiIndex();
  // Not unique either: every contact holding a visitor id (MongoDB's (account, visitorIds, …) index).
  private readonly visitorIndex = new MultiIndex();

  async findById(account: string, id: string) {
    await roundTrip();
    const c = this.byId.get(id);
    return c && c.account === account ? load(c) : null;
  }

  async findByEmail(account: string, email: string) {
    await roundTrip();
    const id = this.emailIndex.get(account, email);
    return id ? load(this.byId.get(id)!) : null;
  }

  async findByPhone(account: string, phone: string, limit: number) {
    await roundTrip();
    return this.phoneIndex
      .ids(account, phone)
      .map((id) => this.byId.get(id)!)
      .sort(byRecency)
      .slice(0, Math.max(0, limit))
      .map(load);
  }

  async findByVisitorId(account: string, visitorId: string) {
    await roundTrip();
    const [first] = this.visitorIndex
      .ids(account, visitorId)
      .map((id) => this.byId.get(id)!)
      .sort(byRecency);
    return first ? load(first) : null;
  }

  async create({ id, account, status, state }: NewContact) {
    await roundTrip();
    if (this.byId.has(id)) throw new DuplicateIdentifierError('id');
    this.assertIdentifiersFree(account, id, state);
    const now = new Date();
    // Own keys first, the spread last: keys added after a spread cost the young GC (process-activity baseRecord).
    const record: ContactRecord = { id, account, status, version: 1, createdAt: now, updatedAt: now, ...pickState(state) };
    const row = this.toRow(record);
    this.byId.set(id, row);
    this.index(record);
    // What a read would return, without decoding the bytes just written (copy: no shared objects).
    return copy(record);
  }

  async update(account: string, id: string, expectedVersion: number, state: ContactState) {
    await roundTrip();
    const row = this.byId.get(id);
    if (!row || row.account !== account || row.version !== expectedVersion) throw new VersionConflictError();
    this.assertIdentifiersFree(account, id, state);
    const current = load(row);
    const next: ContactRecord = { ...current, ...pickState(state), version: current.version + 1, updatedAt: new Date() };
    this.byId.set(id, this.toRow(next));
    this.space.release(row);
    this.reindex(current, next);
    return copy(next);
  }

  async list(account: string, query: ContactListQuery): Promise<Page<ContactRecord>> {
    await roundTrip();
    const rows = [...this.byId.values()]
      .filter(
        (c) =>
          c.account === account &&
          (query.email === undefined || c.email === query.email) &&
          (query.phone === undefined || c.phone === query.phone) &&
          (query.cursor === undefined || c.id > query.cursor),
      )
      .sort((a, b) => (a.id < b.id ? -1 : 1));
    if (query.limit < 1) return { data: [], nextCursor: null };
    const data = rows.slice(0, query.limit).map(load);
    return { data, nextCursor: rows.length > query.limit ? data[data.length - 1]!.id : null };
  }

  async delete(account: string, id: string) {
    await roundTrip();
    const c = this.byId.get(id);
    if (!c || c.account !== account) return false;
    this.unindex(load(c));
    this.byId.delete(id);
    this.space.release(c);
    return true;
  }

  async count(account: string) {
    await roundTrip();
    let n = 0;
    for (const c of this.byId.values()) if (c.account === account) n++;
    return n;
  }

  private assertIdentifiersFree(account: string, id: string, state: ContactState) {
    if (state.email) {
      const holder = this.emailIndex.get(account, state.email);
      if (holder && holder !== id) throw new DuplicateIdentifierError('email');
    }
    if (!state.email && state.phone) {
      const holder = this.phoneOnlyIndex.get(account, state.phone);
      if (holder && holder !== id) throw new DuplicateIdentifierError('phone');
    }
  }

  private index(c: ContactRecord) {
    for (const v of c.visitorIds) this.visitorIndex.add(c.account, v, c.id);
    this.indexIdentifiers(c);
  }

  private indexIdentifiers(c: ContactRecord) {
    if (c.phone) this.phoneIndex.add(c.account, c.phone, c.id);
    if (c.email) this.emailIndex.set(c.account, c.email, c.id);
    else if (c.phone) this.phoneOnlyIndex.set(c.account, c.phone, c.id);
  }

  /**
   * Only what changed: a contact matched again usually keeps its identifiers and gains at most one
   * visitor id, and re-indexing all of them cost a few map operations per visitor id per update.
   */
  private reindex(before: ContactRecord, after: ContactRecord) {
    if (before.email !== after.email || before.phone !== after.phone) {
      this.unindexIdentifiers(before);
      this.indexIdentifiers(after);
    }
    const had = new Set(before.visitorIds);
    const has = new Set(after.visitorIds);
    for (const v of had) if (!has.has(v)) this.visitorIndex.remove(after.account, v, after.id);
    for (const v of has) if (!had.has(v)) this.visitorIndex.add(after.account, v, after.id);
  }

  private unindex(c: ContactRecord) {
    for (const v of c.visitorIds) this.visitorIndex.remove(c.account, v, c.id);
    this.unindexIdentifiers(c);
  }

  private unindexIdentifiers(c: ContactRecord) {
    if (c.phone) this.phoneIndex.remove(c.account, c.phone, c.id);
    if (c.email) this.emailIndex.delete(c.account, c.email);
    else if (c.phone) this.phoneOnlyIndex.delete(c.account, c.phone);
  }
}

/**
 * A non-unique index: (account, key) → one id, or a Set once a second id shares the key. Nearly
 * every phone and visitor id belongs to one contact, and a Set per entry was most of the index's heap.
 */
class MultiIndex {
  private readonly entries = new AccountMap<string | Set<string>>();

  ids(account: string, key: string): string[] {
    const ids = this.entries.get(account, key);
    return ids === undefined ? [] : typeof ids === 'string' ? [ids] : [...ids];
  }

  add(account: string, key: string, id: string): void {
    const ids = this.entries.get(account, key);
    if (ids === undefined || ids === id) this.entries.set(account, key, id);
    else if (typeof ids === 'string') this.entries.set(account, key, new Set([ids, id]));
    else ids.add(id);
  }

  remove(account: string, key: string, id: string): void {
    const ids = this.entries.get(account, key);
    if (ids === id) this.entries.delete(account, key);
    else if (typeof ids !== 'string' && ids !== undefined) {
      ids.delete(id);
      if (ids.size === 1) this.entries.set(account, key, ids.values().next().value!);
    }
  }
}

/** Most recent activity first, then by id: the order MongoDB's (…, lastActivityAt: -1, _id) index gives. */
function byRecency(a: ContactRow, b: ContactRow): number {
  return b.lastActivityAt - a.lastActivityAt || (a.id < b.id ? -1 : 1);
}
