import type { ActivityOutcome, ActivityRecord, ActivityRepository, UnidentifiedFilter } from '../activity.repository';
import { KeyedRows } from './keyed-rows';
import { copy, roundTrip } from './memory-store';

export class MemoryActivityRepository implements ActivityRepository {
  private readonly store = new KeyedRows<ActivityRecord>();
  private readonly rows = this.store.map;

  insert(record: ActivityRecord) {
    return this.store.insert(record);
  }

  findById(account: string, id: string) {
    return this.store.findById(account, id);
  }

  async listForContact(account: string, contactId: string, limit: number) {
    await roundTrip();
    return [...this.rows.values()]
      .filter((r) => r.account === account && r.contactId === contactId)
      .sort((a, b) => b.occurredAt.getTime() - a.occurredAt.getTime() || (a.id < b.id ? 1 : -1))
      .slice(0, limit)
      .map(copy);
  }

  async count(account: string, filter: { outcome?: ActivityOutcome } = {}) {
    await roundTrip();
    let n = 0;
    for (const r of this.rows.values()) if (r.account === account && (!filter.outcome || r.outcome === filter.outcome)) n++;
    return n;
  }

  async listUnidentified(account: string, filter: UnidentifiedFilter) {
    await roundTrip();
    return [...this.rows.values()]
      .filter(
        (r) =>
          r.account === account &&
          r.outcome === 'unidentified' &&
          (filter.after === undefined || r.id > filter.after) &&
          (!filter.since || r.receivedAt >= filter.since) &&
          (!filter.until || r.receivedAt < filter.until),
      )
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .slice(0, Math.max(0, filter.limit))
      .map(copy);
  }

  async replaceIf(record: ActivityRecord, expected: { outcome: ActivityOutcome; contactId: string | null }) {
    await roundTrip();
    const k = KeyedRows.key(record.account, record.id);
    const current = this.rows.get(k);
    if (!current || current.outcome !== expected.outcome || current.contactId !== expected.contactId) return false;
    this.rows.set(k, copy(record));
    return true;
  }

  async deleteForContact(account: string, contactId: string) {
    await roundTrip();
    let n = 0;
    for (const [k, r] of this.rows) {
      if (r.account === account && r.contactId === contactId) {
        this.rows.delete(k);
        n++;
      }
    }
    return n;
  }
}
