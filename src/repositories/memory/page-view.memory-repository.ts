import type { PageViewRecord, PageViewRepository } from '../page-view.repository';
import { KeyedRows } from './keyed-rows';
import { AccountMap, roundTrip } from './memory-store';
import type { RowSpace } from './row-space';

export class MemoryPageViewRepository implements PageViewRepository {
  private readonly rows: KeyedRows<PageViewRecord, 'visitorId' | 'contactId' | 'viewedAt'>;
  // Page view ids per (account, visitor), like MongoDB's (account, visitorId, …) index: the worker
  // asks for a visitor's unattached views on every activity that carries a visitor id.
  private readonly byVisitor = new AccountMap<Set<string>>();

  constructor(space?: RowSpace) {
    this.rows = new KeyedRows(['visitorId', 'contactId', 'viewedAt'], space);
  }

  async insert(record: PageViewRecord) {
    await roundTrip();
    const result = this.rows.insertNow(record); // row and visitor index in one atomic step
    if (result === 'inserted') {
      let ids = this.byVisitor.get(record.account, record.visitorId);
      if (!ids) this.byVisitor.set(record.account, record.visitorId, (ids = new Set()));
      ids.add(record.id);
    }
    return result;
  }

  findById(account: string, id: string) {
    return this.rows.findById(account, id);
  }

  async listUnattached(account: string, visitorId: string, limit: number) {
    await roundTrip();
    return [...(this.byVisitor.get(account, visitorId) ?? [])]
      .map((id) => this.rows.get(account, id)!)
      .filter((r) => r.contactId === null)
      .sort((a, b) => b.viewedAt - a.viewedAt || (a.id < b.id ? 1 : -1))
      .slice(0, Math.max(0, limit))
      .map((r) => this.rows.load(r));
  }

  async attach(account: string, id: string, contactId: string) {
    await roundTrip();
    const row = this.rows.get(account, id);
    if (!row) return false;
    if (row.contactId === null) this.rows.set({ ...this.rows.load(row), contactId });
    return this.rows.get(account, id)!.contactId === contactId;
  }

  async count(account: string) {
    await roundTrip();
    return this.rows.of(account).length;
  }
}
