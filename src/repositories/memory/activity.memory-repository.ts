import type { ActivityOutcome, ActivityRecord, ActivityRepository, TimelineQuery, UnidentifiedFilter } from '../activity.repository';
import { ByAccount, copy, IdSets, roundTrip } from './memory-store';

/** Newest first by event time, id descending on ties: the order of MongoDB's (account, contactId, occurredAt: -1, _id: -1) index. */
const newestFirst = (a: ActivityRecord, b: ActivityRecord): number =>
  b.occurredAt.getTime() - a.occurredAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/** Whether `r` comes after `position` newest first: older, or as old with a smaller id. */
const olderThan = (r: ActivityRecord, position: { occurredAt: Date; id: string }): boolean =>
  r.occurredAt.getTime() < position.occurredAt.getTime() || (r.occurredAt.getTime() === position.occurredAt.getTime() && r.id < position.id);

/** Same semantics as the MongoDB implementation: unique per (account, id), reads return copies. */
export class MemoryActivityRepository implements ActivityRepository {
  private readonly activities = new ByAccount<ActivityRecord>();
  // Ids of the activities of each (account, contactId).
  private readonly byContact = new IdSets();

  async insert(record: ActivityRecord) {
    await roundTrip();
    if (this.activities.get(record.account, record.id)) return 'exists' as const;
    this.activities.set(record.account, record.id, copy(record));
    if (record.contactId !== null) this.byContact.add(record.account, record.contactId, record.id);
    return 'inserted' as const;
  }

  async findById(account: string, id: string) {
    await roundTrip();
    const found = this.activities.get(account, id);
    return found ? copy(found) : null;
  }

  async listForContact(account: string, contactId: string, limit: number) {
    await roundTrip();
    return this.byContact
      .ids(account, contactId)
      .map((id) => this.activities.get(account, id)!)
      .sort(newestFirst)
      .slice(0, Math.max(0, limit))
      .map(copy);
  }

  async count(account: string, filter: { outcome?: ActivityOutcome } = {}) {
    await roundTrip();
    const all = this.activities.of(account);
    if (filter.outcome === undefined) return all.size;
    let n = 0;
    for (const r of all.values()) if (r.outcome === filter.outcome) n++;
    return n;
  }

  async deleteForContact(account: string, contactId: string) {
    await roundTrip();
    const ids = this.byContact.ids(account, contactId);
    for (const id of ids) {
      this.activities.delete(account, id);
      this.byContact.remove(account, contactId, id);
    }
    return ids.length;
  }

  async listUnidentified(account: string, filter: UnidentifiedFilter) {
    await roundTrip();
    const { since, until, after } = filter;
    const found = [...this.activities.of(account).values()].filter(
      (r) =>
        r.outcome === 'unidentified' &&
        (since === undefined || r.receivedAt.getTime() >= since.getTime()) &&
        (until === undefined || r.receivedAt.getTime() < until.getTime()) &&
        (after === undefined || r.id > after),
    );
    return found
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .slice(0, Math.max(0, filter.limit))
      .map(copy);
  }

  async replaceIf(record: ActivityRecord, expected: { outcome: ActivityOutcome; contactId: string | null }) {
    await roundTrip();
    const current = this.activities.get(record.account, record.id);
    if (!current || current.outcome !== expected.outcome || current.contactId !== expected.contactId) return false;
    if (current.contactId !== null) this.byContact.remove(current.account, current.contactId, current.id);
    this.activities.set(record.account, record.id, copy(record));
    if (record.contactId !== null) this.byContact.add(record.account, record.contactId, record.id);
    return true;
  }

  // GDPR erase and the unidentified listing.
  async listIdsForContact(account: string, contactId: string) {
    await roundTrip();
    return this.byContact.ids(account, contactId);
  }

  async countUnidentified(account: string, filter: { since?: Date; until?: Date }) {
    await roundTrip();
    const { since, until } = filter;
    let n = 0;
    for (const r of this.activities.of(account).values()) {
      if (r.outcome !== 'unidentified') continue;
      if (since !== undefined && r.receivedAt.getTime() < since.getTime()) continue;
      if (until !== undefined && r.receivedAt.getTime() >= until.getTime()) continue;
      n++;
    }
    return n;
  }

  // A contact's timeline and contact deletion.
  async listTimeline(account: string, contactId: string, query: TimelineQuery) {
    await roundTrip();
    const { type, before } = query;
    return this.byContact
      .ids(account, contactId)
      .map((id) => this.activities.get(account, id)!)
      .filter((r) => (type === undefined || r.type === type) && (before === undefined || olderThan(r, before)))
      .sort(newestFirst)
      .slice(0, Math.max(0, query.limit))
      .map(copy);
  }

  async detachContact(account: string, contactId: string) {
    await roundTrip();
    let n = 0;
    for (const id of this.byContact.ids(account, contactId)) {
      const r = this.activities.get(account, id)!;
      if (r.outcome !== 'processed') continue;
      r.contactId = null;
      this.byContact.remove(account, contactId, id);
      n++;
    }
    return n;
  }
}
