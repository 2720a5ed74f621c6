import { contactStateOf } from '../../domain/contact-merge';
import { compareCodePoints, contactSearchKeys, matchesPrefixes, SORT_DIRECTION, sortValueOf } from '../../domain/contact-search';
import type { ContactState } from '../../domain/types';
import { DuplicateIdentifierError, VersionConflictError } from '../../shared/errors';
import type { ContactListQuery, ContactPosition, ContactRecord, ContactRepository, ContactSearchPage, ContactSearchQuery, NewContact, Page } from '../contact.repository';
import { ByAccount, copy, IdSets, RecencyIndex, roundTrip } from './memory-store';

const byId = (a: ContactRecord, b: ContactRecord): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const copyOrNull = (c: ContactRecord | undefined): ContactRecord | null => (c ? copy(c) : null);

/** The contacts' indexes, kept apart so the repository holds only the interface's operations. */
class ContactIndexes {
  // Unique: (account, email) and, for email-less contacts, (account, phone); values are ids.
  readonly emails = new ByAccount<string>();
  readonly phoneOnly = new ByAccount<string>();
  // Not unique: every holder of a phone or a visitor id, most recently active first.
  readonly phones = new RecencyIndex();
  readonly visitors = new RecencyIndex();
  // Not unique: the holders of each status (countByStatus, replaceStatus).
  readonly statuses = new IdSets();

  /** A key another contact of the account holds is refused, as MongoDB's E11000. */
  assertFree(account: string, id: string, { email, phone }: ContactState): void {
    const emailHolder = email ? this.emails.get(account, email) : undefined;
    if (emailHolder !== undefined && emailHolder !== id) throw new DuplicateIdentifierError('email');
    const phoneHolder = !email && phone ? this.phoneOnly.get(account, phone) : undefined;
    if (phoneHolder !== undefined && phoneHolder !== id) throw new DuplicateIdentifierError('phone');
  }

  add(c: ContactRecord): void {
    if (c.email) this.emails.set(c.account, c.email, c.id);
    else if (c.phone) this.phoneOnly.set(c.account, c.phone, c.id);
    if (c.phone) this.phones.add(c.account, c.phone, c.id, c.lastActivityAt);
    for (const v of new Set(c.visitorIds)) this.visitors.add(c.account, v, c.id, c.lastActivityAt);
    this.statuses.add(c.account, c.status, c.id);
  }

  /** By the keys and lastActivityAt the contact was added with. */
  remove(c: ContactRecord): void {
    if (c.email) this.emails.delete(c.account, c.email);
    else if (c.phone) this.phoneOnly.delete(c.account, c.phone);
    if (c.phone) this.phones.remove(c.account, c.phone, c.id, c.lastActivityAt);
    for (const v of new Set(c.visitorIds)) this.visitors.remove(c.account, v, c.id, c.lastActivityAt);
    this.statuses.remove(c.account, c.status, c.id);
  }
}

/** Same semantics as the MongoDB implementation, including its unique indexes. */
export class MemoryContactRepository implements ContactRepository {
  // Ids are unique across accounts, as MongoDB's _id.
  private readonly ids = new Set<string>();
  private readonly contacts = new ByAccount<ContactRecord>();
  private readonly indexes = new ContactIndexes();

  async findById(account: string, id: string) {
    await roundTrip();
    return copyOrNull(this.contacts.get(account, id));
  }

  async findByEmail(account: string, email: string) {
    await roundTrip();
    const id = this.indexes.emails.get(account, email);
    return id === undefined ? null : copyOrNull(this.contacts.get(account, id));
  }

  async findByPhone(account: string, phone: string, limit: number) {
    await roundTrip();
    if (limit < 1) return [];
    // The email-less holder first: rule 2 must see it however many others share the phone.
    const phoneOnly = this.indexes.phoneOnly.get(account, phone);
    const others = this.indexes.phones.first(account, phone, limit + 1).filter((id) => id !== phoneOnly);
    const ids = (phoneOnly === undefined ? others : [phoneOnly, ...others]).slice(0, limit);
    return ids.map((id) => copy(this.contacts.get(account, id)!));
  }

  async findByVisitorId(account: string, visitorId: string) {
    await roundTrip();
    const [id] = this.indexes.visitors.first(account, visitorId, 1);
    return id === undefined ? null : copyOrNull(this.contacts.get(account, id));
  }

  async create({ id, account, status, state }: NewContact) {
    await roundTrip();
    if (this.ids.has(id)) throw new DuplicateIdentifierError('id');
    this.indexes.assertFree(account, id, state);
    const now = new Date();
    const record: ContactRecord = {
      id,
      account,
      version: 1,
      createdAt: now,
      updatedAt: now,
      ...copy(contactStateOf(state)),
      status,
      statusSet: state.statusSet ? copy(state.statusSet) : null,
    };
    this.ids.add(id);
    this.contacts.set(account, id, record);
    this.indexes.add(record);
    return copy(record);
  }

  async update(account: string, id: string, expectedVersion: number, state: ContactState) {
    await roundTrip();
    const current = this.contacts.get(account, id);
    if (!current || current.version !== expectedVersion) throw new VersionConflictError();
    this.indexes.assertFree(account, id, state);
    const next: ContactRecord = { ...current, ...copy(contactStateOf(state)), version: current.version + 1, updatedAt: new Date() };
    this.indexes.remove(current);
    this.contacts.set(account, id, next);
    this.indexes.add(next);
    return copy(next);
  }

  async list(account: string, query: ContactListQuery): Promise<Page<ContactRecord>> {
    await roundTrip();
    if (query.limit < 1) return { data: [], nextCursor: null };
    // Candidates from an index when the query names a key, as MongoDB's planner would pick one.
    let candidates: string[];
    if (query.email !== undefined) candidates = [this.indexes.emails.get(account, query.email)].filter((id) => id !== undefined);
    else if (query.phone !== undefined) candidates = this.indexes.phones.first(account, query.phone);
    else candidates = [...this.contacts.of(account).keys()];
    const rows = candidates
      .map((cid) => this.contacts.get(account, cid)!)
      .filter((c) => (query.phone === undefined || c.phone === query.phone) && (query.cursor === undefined || c.id > query.cursor))
      .sort(byId);
    const data = rows.slice(0, query.limit).map(copy);
    return { data, nextCursor: rows.length > query.limit ? data[data.length - 1]!.id : null };
  }

  async delete(account: string, id: string) {
    await roundTrip();
    const current = this.contacts.get(account, id);
    if (!current) return false;
    this.indexes.remove(current);
    this.contacts.delete(account, id);
    this.ids.delete(id);
    return true;
  }

  async count(account: string) {
    await roundTrip();
    return this.contacts.of(account).size;
  }

  // Contact statuses (operator API), from the status index.
  async countByStatus(account: string, status: string) {
    await roundTrip();
    return this.indexes.statuses.ids(account, status).length;
  }

  async replaceStatus(account: string, from: string, to: string) {
    await roundTrip();
    if (from === to) return 0;
    const ids = this.indexes.statuses.ids(account, from);
    const now = new Date();
    for (const id of ids) {
      const current = this.contacts.get(account, id)!;
      const next: ContactRecord = { ...current, status: to, version: current.version + 1, updatedAt: now };
      this.indexes.remove(current);
      this.contacts.set(account, id, next);
      this.indexes.add(next);
    }
    return ids.length;
  }

  // Operator contact list: one account's contacts scanned, filtered and sorted (a dev store's way).
  async search(account: string, query: ContactSearchQuery): Promise<ContactSearchPage> {
    await roundTrip();
    if (query.limit < 1) return { data: [], next: null };
    const { prefixes, status, capturedFrom, capturedTo, sort, after } = query;
    const direction = SORT_DIRECTION[sort];
    const rows: { c: ContactRecord; at: ContactPosition }[] = [];
    for (const c of this.contacts.of(account).values()) {
      if (status !== undefined && c.status !== status) continue;
      if (capturedFrom !== undefined && !(c.firstSeenAt.getTime() >= capturedFrom.getTime())) continue;
      if (capturedTo !== undefined && !(c.firstSeenAt.getTime() < capturedTo.getTime())) continue;
      if (prefixes !== undefined && !matchesPrefixes(contactSearchKeys(c), prefixes)) continue;
      const at = { value: sortValueOf(c, sort), id: c.id };
      if (after !== undefined && comparePositions(at, after) * direction <= 0) continue;
      rows.push({ c, at });
    }
    rows.sort((a, b) => comparePositions(a.at, b.at) * direction);
    const page = rows.slice(0, query.limit);
    return { data: page.map((r) => copy(r.c)), next: rows.length > query.limit ? page[page.length - 1]!.at : null };
  }
}

/** By sort value, then id: ascending (the caller flips it for descending sorts). */
function comparePositions(a: ContactPosition, b: ContactPosition): number {
  const byValue =
    typeof a.value === 'number' && typeof b.value === 'number' ? a.value - b.value : compareCodePoints(String(a.value), String(b.value));
  return byValue !== 0 ? Math.sign(byValue) : compareCodePoints(a.id, b.id);
}
