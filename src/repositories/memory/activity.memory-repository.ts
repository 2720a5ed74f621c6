import type { ActivityOutcome, ActivityRecord, ActivityRepository, UnidentifiedFilter } from '../activity.repository';
import { copy, roundTrip } from './memory-store';

const key = (account: string, id: string) => `${account}\0${id}`;

export class MemoryActivityRepository implements ActivityRepository {
  private readonly rows = new Map<string, ActivityRecord>();

  async insert(record: ActivityRecord) {
    await roundTrip();
    const k = key(record.account, record.id);
    if (this.rows.has(k)) return 'exists' as const;
    this.rows.set(k, copy(record));
    return 'inserted' as const;
  }

  async findById(account: string, id: string) {
    await roundTrip();
    const r = this.rows.get(key(account, id));
    return r ? copy(r) : null;
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
    const k = key(record.account, record.id);
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
