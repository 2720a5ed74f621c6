import type { PageViewRecord, PageViewRepository } from '../page-view.repository';
import { KeyedRows } from './keyed-rows';
import { fromRow, roundTrip } from './memory-store';

export class MemoryPageViewRepository implements PageViewRepository {
  private readonly rows = new KeyedRows<PageViewRecord, 'visitorId' | 'contactId' | 'viewedAt'>(['visitorId', 'contactId', 'viewedAt']);
  // Page view ids per (account, visitor), like MongoDB's (account, visitorId, …) index: the worker
  // asks for a visitor's unattached views on every activity that carries a visitor id.
  private readonly byVisitor = new Map<string, Set<string>>();

  async insert(record: PageViewRecord) {
    const result = await this.rows.insert(record);
    if (result === 'inserted') {
      const k = KeyedRows.key(record.account, record.visitorId);
      let ids = this.byVisitor.get(k);
      if (!ids) this.byVisitor.set(k, (ids = new Set()));
      ids.add(record.id);
    }
    return result;
  }

  findById(account: string, id: string) {
    return this.rows.findById(account, id);
  }

  async listUnattached(account: string, visitorId: string, limit: number) {
    await roundTrip();
    const ids = this.byVisitor.get(KeyedRows.key(account, visitorId)) ?? [];
    return [...ids]
      .map((id) => this.rows.get(account, id)!)
      .filter(({ keys: r }) => r.contactId === null)
      .sort(({ keys: a }, { keys: b }) => b.viewedAt.getTime() - a.viewedAt.getTime() || (a.id < b.id ? 1 : -1))
      .slice(0, Math.max(0, limit))
      .map((r) => fromRow<PageViewRecord>(r));
  }

  async attach(account: string, id: string, contactId: string) {
    await roundTrip();
    const row = this.rows.get(account, id);
    if (!row) return false;
    if (row.keys.contactId === null) this.rows.set({ ...fromRow<PageViewRecord>(row), contactId });
    return this.rows.get(account, id)!.keys.contactId === contactId;
  }

  async count(account: string) {
    await roundTrip();
    let n = 0;
    for (const { keys: r } of this.rows.values()) if (r.account === account) n++;
    return n;
  }
}
