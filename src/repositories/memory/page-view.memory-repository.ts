import type { PageViewRecord, PageViewRepository } from '../page-view.repository';
import { copy, roundTrip } from './memory-store';

const key = (account: string, id: string) => `${account}\0${id}`;

export class MemoryPageViewRepository implements PageViewRepository {
  private readonly rows = new Map<string, PageViewRecord>();

  async insert(record: PageViewRecord) {
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
    const r = this.rows.get(key(account, id));
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
