import type { ActivityOutcome, ActivityRecord, ActivityRepository, UnidentifiedFilter } from '../activity.repository';
import { AccountNumbers, fnv1a30, HashIndex, type KeyHash } from './hash-index';
import { decodeRow, encodeRow, roundTrip } from './memory-store';
import { RowSlots } from './row-slots';
import { RowSpace } from './row-space';

// An activity's slot: the record (encodeRow), its id and its contact id (no text: none).
const RECORD = 0;
const ID = 1;
const CONTACT = 2;
// Its numbers: the account's number (0: never a live activity's), outcome, occurredAt and receivedAt (epoch ms).
const ACCOUNT = 0;
const OUTCOME = 1;
const OCCURRED_AT = 2;
const RECEIVED_AT = 3;
const OUTCOMES: readonly ActivityOutcome[] = ['pending', 'processed', 'unidentified'];
const outcomeCode = (o: ActivityOutcome): number => OUTCOMES.indexOf(o);

/**
 * Same semantics as the MongoDB implementation: unique per (account, id), reads return copies.
 * Activities live in numbered slots (row-slots.ts) with hash-to-slot indexes (hash-index.ts), like
 * the contacts, so a growing history does not grow the V8 heap: held as one row object each (with
 * its id, contact id and map entry), ≈ 390 bytes of heap per stored activity made the long run's
 * GCs slower minute by minute (bench/README.md, "Ninth session").
 */
export class MemoryActivityRepository implements ActivityRepository {
  private readonly slots: RowSlots;
  private readonly accountNumbers = new AccountNumbers();
  // Unique: (account, id), MongoDB's _id.
  private readonly byId = new HashIndex();
  // Not unique: (account, contactId), MongoDB's (account, contactId, occurredAt) index.
  private readonly byContact = new HashIndex();

  /** `hash` is for tests, which make every key collide to prove that no look-up trusts a hash. */
  constructor(
    space: RowSpace = new RowSpace(),
    private readonly hash: KeyHash = fnv1a30,
  ) {
    this.slots = new RowSlots(space, 3, 4);
  }

  async insert(record: ActivityRecord) {
    await roundTrip();
    const n = this.accountNumbers.numberFor(record.account);
    if (this.slotOf(n, record.id) >= 0) return 'exists' as const;
    const slot = this.slots.allocate();
    this.slots.setNumber(slot, ACCOUNT, n);
    this.slots.setText(slot, ID, record.id);
    this.byId.add(this.hash(n, record.id), slot);
    this.write(slot, n, record, null);
    return 'inserted' as const;
  }

  async findById(account: string, id: string) {
    await roundTrip();
    const n = this.accountNumbers.get(account);
    const slot = n === undefined ? -1 : this.slotOf(n, id);
    return slot >= 0 ? this.load(slot) : null;
  }

  async listForContact(account: string, contactId: string, limit: number) {
    await roundTrip();
    const n = this.accountNumbers.get(account);
    if (n === undefined) return [];
    return this.withContact(n, contactId)
      .map((slot) => ({ slot, at: this.slots.number(slot, OCCURRED_AT), id: this.slots.text(slot, ID) }))
      .sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : -1))
      .slice(0, Math.max(0, limit))
      .map((r) => this.load(r.slot));
  }

  async count(account: string, filter: { outcome?: ActivityOutcome } = {}) {
    await roundTrip();
    const n = this.accountNumbers.get(account);
    if (n === undefined) return 0;
    const code = filter.outcome === undefined ? -1 : outcomeCode(filter.outcome);
    // An outcome that is none of the three (an operator object, say) matches nothing, as in MongoDB.
    if (filter.outcome !== undefined && code < 0) return 0;
    let count = 0;
    for (const slot of this.slots.liveSlots()) {
      if (this.slots.number(slot, ACCOUNT) === n && (code < 0 || this.slots.number(slot, OUTCOME) === code)) count++;
    }
    return count;
  }

  async listUnidentified(account: string, filter: UnidentifiedFilter) {
    await roundTrip();
    const n = this.accountNumbers.get(account);
    if (n === undefined) return [];
    const unidentified = outcomeCode('unidentified');
    const since = filter.since?.getTime();
    const until = filter.until?.getTime();
    const found: { slot: number; id: string }[] = [];
    for (const slot of this.slots.liveSlots()) {
      if (this.slots.number(slot, ACCOUNT) !== n || this.slots.number(slot, OUTCOME) !== unidentified) continue;
      const receivedAt = this.slots.number(slot, RECEIVED_AT);
      if ((since !== undefined && receivedAt < since) || (until !== undefined && receivedAt >= until)) continue;
      const id = this.slots.text(slot, ID);
      if (filter.after === undefined || id > filter.after) found.push({ slot, id });
    }
    return found
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .slice(0, Math.max(0, filter.limit))
      .map((r) => this.load(r.slot));
  }

  async replaceIf(record: ActivityRecord, expected: { outcome: ActivityOutcome; contactId: string | null }) {
    await roundTrip();
    const n = this.accountNumbers.get(record.account);
    const slot = n === undefined ? -1 : this.slotOf(n, record.id);
    if (slot < 0 || this.slots.number(slot, OUTCOME) !== outcomeCode(expected.outcome)) return false;
    const contactId = this.contactOf(slot);
    if (contactId !== expected.contactId) return false;
    this.write(slot, n!, record, contactId);
    return true;
  }

  async deleteForContact(account: string, contactId: string) {
    await roundTrip();
    const n = this.accountNumbers.get(account);
    if (n === undefined) return 0;
    const slots = this.withContact(n, contactId);
    for (const slot of slots) {
      this.byId.remove(this.hash(n, this.slots.text(slot, ID)), slot);
      this.byContact.remove(this.hash(n, contactId), slot);
      this.slots.free(slot);
    }
    return slots.length;
  }

  /** The slot's record, outcome and times, and its contact index entry when the contact changed. */
  private write(slot: number, n: number, record: ActivityRecord, contactBefore: string | null): void {
    this.slots.setText(slot, RECORD, encodeRow(record));
    this.slots.setNumber(slot, OUTCOME, outcomeCode(record.outcome));
    this.slots.setNumber(slot, OCCURRED_AT, record.occurredAt.getTime());
    this.slots.setNumber(slot, RECEIVED_AT, record.receivedAt.getTime());
    if (record.contactId === contactBefore) return;
    if (contactBefore !== null) this.byContact.remove(this.hash(n, contactBefore), slot);
    if (record.contactId === null) {
      this.slots.clearText(slot, CONTACT);
    } else {
      this.slots.setText(slot, CONTACT, record.contactId);
      this.byContact.add(this.hash(n, record.contactId), slot);
    }
  }

  private load(slot: number): ActivityRecord {
    return decodeRow<ActivityRecord>(this.slots.text(slot, RECORD));
  }

  private contactOf(slot: number): string | null {
    return this.slots.hasText(slot, CONTACT) ? this.slots.text(slot, CONTACT) : null;
  }

  private slotOf(n: number, id: string): number {
    return this.byId.first(this.hash(n, id), (slot) => this.slots.number(slot, ACCOUNT) === n && this.slots.text(slot, ID) === id);
  }

  private withContact(n: number, contactId: string): number[] {
    return this.byContact.all(this.hash(n, contactId), (slot) => this.slots.number(slot, ACCOUNT) === n && this.contactOf(slot) === contactId);
  }
}
