import type { ActivityOutcome, ActivityRecord, ActivityRepository, UnidentifiedFilter } from '../activity.repository';
import { KeyedRows } from './keyed-rows';
import { fromRow, roundTrip } from './memory-store';

export class MemoryActivityRepository implements ActivityRepository {
  private readonly rows = new KeyedRows<ActivityRecord, 'contactId' | 'outcome' | 'occurredAt' | 'receivedAt'>([
    'contactId',
    'outcome',
    'occurredAt',
    'receivedAt',
  ]);

  insert(record: ActivityRecord) {
    return this.rows.insert(record);
  }

  findById(account: string, id: string) {
    return this.rows.findById(account, id);
  }

  async listForContact(account: string, contactId: string, limit: number) {
    await roundTrip();
    return [...this.rows.values()]
      .filter(({ keys: r }) => r.account === account && r.contactId === contactId)
      .sort(({ keys: a }, { keys: b }) => b.occurredAt.getTime() - a.occurredAt.getTime() || (a.id < b.id ? 1 : -1))
      .slice(0, limit)
      .map((r) => fromRow<ActivityRecord>(r));
  }

  async count(account: string, filter: { outcome?: ActivityOutcome } = {}) {
    await roundTrip();
    let n = 0;
    for (const { keys: r } of this.rows.values()) if (r.account === account && (!filter.outcome || r.outcome === filter.outcome)) n++;
    return n;
  }

  async listUnidentified(account: string, filter: UnidentifiedFilter) {
    await roundTrip();
    return [...this.rows.values()]
      .filter(
        ({ keys: r }) =>
          r.account === account &&
          r.outcome === 'unidentified' &&
          (filter.after === undefined || r.id > filter.after) &&
          (!filter.since || r.receivedAt >= filter.since) &&
          (!filter.until || r.receivedAt < filter.until),
      )
      .sort(({ keys: a }, { keys: b }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .slice(0, Math.max(0, filter.limit))
      .map((r) => fromRow<ActivityRecord>(r));
  }

  async replaceIf(record: ActivityRecord, expected: { outcome: ActivityOutcome; contactId: string | null }) {
    await roundTrip();
    const current = this.rows.get(record.account, record.id)?.keys;
    if (!current || current.outcome !== expected.outcome || current.contactId !== expected.contactId) return false;
    this.rows.set(record);
    return true;
  }

  async deleteForContact(account: string, contactId: string) {
    await roundTrip();
    let n = 0;
    for (const { keys: r } of [...this.rows.values()]) {
      if (r.account === account && r.contactId === contactId) {
        this.rows.delete(r.account, r.id);
        n++;
      }
    }
    return n;
  }
}
