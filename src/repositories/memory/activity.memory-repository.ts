import type { ActivityOutcome, ActivityRecord, ActivityRepository, UnidentifiedFilter } from '../activity.repository';
import { KeyedRows } from './keyed-rows';
import { roundTrip } from './memory-store';
import type { RowSpace } from './row-space';

export class MemoryActivityRepository implements ActivityRepository {
  private readonly rows: KeyedRows<ActivityRecord, 'contactId' | 'outcome' | 'occurredAt' | 'receivedAt'>;

  constructor(space?: RowSpace) {
    this.rows = new KeyedRows(['contactId', 'outcome', 'occurredAt', 'receivedAt'], space);
  }

  insert(record: ActivityRecord) {
    return this.rows.insert(record);
  }

  findById(account: string, id: string) {
    return this.rows.findById(account, id);
  }

  async listForContact(account: string, contactId: string, limit: number) {
    await roundTrip();
    return this.rows
      .of(account)
      .filter((r) => r.contactId === contactId)
      .sort((a, b) => b.occurredAt - a.occurredAt || (a.id < b.id ? 1 : -1))
      .slice(0, Math.max(0, limit))
      .map((r) => this.rows.load(r));
  }

  async count(account: string, filter: { outcome?: ActivityOutcome } = {}) {
    await roundTrip();
    let n = 0;
    for (const r of this.rows.of(account)) if (!filter.outcome || r.outcome === filter.outcome) n++;
    return n;
  }

  async listUnidentified(account: string, filter: UnidentifiedFilter) {
    await roundTrip();
    const since = filter.since?.getTime();
    const until = filter.until?.getTime();
    return this.rows
      .of(account)
      .filter(
        (r) =>
          r.outcome === 'unidentified' &&
          (filter.after === undefined || r.id > filter.after) &&
          (since === undefined || r.receivedAt >= since) &&
          (until === undefined || r.receivedAt < until),
      )
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .slice(0, Math.max(0, filter.limit))
      .map((r) => this.rows.load(r));
  }

  async replaceIf(record: ActivityRecord, expected: { outcome: ActivityOutcome; contactId: string | null }) {
    await roundTrip();
    const current = this.rows.get(record.account, record.id);
    if (!current || current.outcome !== expected.outcome || current.contactId !== expected.contactId) return false;
    this.rows.set(record);
    return true;
  }

  async deleteForContact(account: string, contactId: string) {
    await roundTrip();
    let n = 0;
    for (const r of this.rows.of(account)) {
      if (r.contactId === contactId) {
        this.rows.delete(account, r.id);
        n++;
      }
    }
    return n;
  }
}
