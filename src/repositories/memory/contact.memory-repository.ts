import { contactStateOf } from '../../domain/contact-merge';
import type { ContactState } from '../../domain/types';
import { DuplicateIdentifierError, VersionConflictError } from '../../shared/errors';
import type { ContactListQuery, ContactRecord, ContactRepository, NewContact, Page } from '../contact.repository';
import { ByAccount, copy, RecencyIndex, roundTrip } from './memory-store';

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
  }

  /** By the keys and lastActivityAt the contact was added with. */
  remove(c: ContactRecord): void {
    if (c.email) this.emails.delete(c.account, c.email);
    else if (c.phone) this.phoneOnly.delete(c.account, c.phone);
    if (c.phone) this.phones.remove(c.account, c.phone, c.id, c.lastActivityAt);
    for (const v of new Set(c.visitorIds)) this.visitors.remove(c.account, v, c.id, c.lastActivityAt);
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
    const record: ContactRecord = { id, account, status, version: 1, createdAt: now, updatedAt: now, ...copy(contactStateOf(state)) };
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
}
