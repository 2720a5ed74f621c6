import type { PageViewRecord, PageViewRepository } from '../page-view.repository';
import { ByAccount, copy, IdSets, roundTrip } from './memory-store';

/** Newest first by viewedAt, id descending on ties. */
const newestFirst = (a: PageViewRecord, b: PageViewRecord): number =>
  b.viewedAt.getTime() - a.viewedAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/** Same semantics as the MongoDB implementation: unique per (account, id), reads return copies. */
export class MemoryPageViewRepository implements PageViewRepository {
  private readonly views = new ByAccount<PageViewRecord>();
  // Ids of the views of each (account, visitorId): stitching asks for them on every identified activity.
  private readonly byVisitor = new IdSets();

  async insert(record: PageViewRecord) {
    await roundTrip();
    if (this.views.get(record.account, record.id)) return 'exists' as const;
    this.views.set(record.account, record.id, copy(record));
    this.byVisitor.add(record.account, record.visitorId, record.id);
    return 'inserted' as const;
  }

  async findById(account: string, id: string) {
    await roundTrip();
    const found = this.views.get(account, id);
    return found ? copy(found) : null;
  }

  async listUnattached(account: string, visitorId: string, limit: number) {
    await roundTrip();
    return this.byVisitor
      .ids(account, visitorId)
      .map((id) => this.views.get(account, id)!)
      .filter((v) => v.contactId === null)
      .sort(newestFirst)
      .slice(0, Math.max(0, limit))
      .map(copy);
  }

  async attach(account: string, id: string, contactId: string) {
    await roundTrip();
    const view = this.views.get(account, id);
    if (!view) return false;
    if (view.contactId === null) view.contactId = contactId;
    return view.contactId === contactId;
  }

  async count(account: string) {
    await roundTrip();
    return this.views.of(account).size;
  }

  // GDPR erase.
  async listIdsOfVisitor(account: string, visitorId: string) {
    await roundTrip();
    return this.byVisitor.ids(account, visitorId).map((id) => ({ id, contactId: this.views.get(account, id)!.contactId }));
  }

  async deleteByIds(account: string, ids: readonly string[]) {
    await roundTrip();
    let n = 0;
    for (const id of new Set(ids)) {
      const view = this.views.get(account, id);
      if (!view) continue;
      this.views.delete(account, id);
      this.byVisitor.remove(account, view.visitorId, id);
      n++;
    }
    return n;
  }

  // Contact deletion.
  async detachContact(account: string, contactId: string, visitorIds: readonly string[]) {
    await roundTrip();
    let n = 0;
    for (const visitorId of new Set(visitorIds)) {
      for (const id of this.byVisitor.ids(account, visitorId)) {
        const view = this.views.get(account, id)!;
        if (view.contactId !== contactId) continue;
        view.contactId = null;
        n++;
      }
    }
    return n;
  }
}
