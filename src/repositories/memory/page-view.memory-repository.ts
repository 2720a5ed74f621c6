import type { PageViewRecord, PageViewRepository } from '../page-view.repository';
import { KeyedRows } from './keyed-rows';
import { copy, roundTrip } from './memory-store';

export class MemoryPageViewRepository implements PageViewRepository {
  private readonly store = new KeyedRows<PageViewRecord>();
  private readonly rows = this.store.map;

  insert(record: PageViewRecord) {
    return this.store.insert(record);
  }

  findById(account: string, id: string) {
    return this.store.findById(account, id);
  }

  async listUnattached(account: string, visitorId: string, limit: number) {
    await roundTrip();
    return [...this.rows.values()]
      .filter((r) => r.account === account && r.visitorId === visitorId && r.contactId === null)
      .sort((a, b) => b.viewedAt.getTime() - a.viewedAt.getTime() || (a.id < b.id ? 1 : -1))
      .slice(0, Math.max(0, limit))
      .map(copy);
  }

  async attach(account: string, id: string, contactId: string) {
    await roundTrip();
    const r = this.rows.get(KeyedRows.key(account, id));
    if (!r) return false;
    if (r.contactId === null) r.contactId = contactId;
    return r.contactId === contactId;
  }

  async count(account: string) {
    await roundTrip();
    let n = 0;
    for (const r of this.rows.values()) if (r.account === account) n++;
    return n;
  }
}
