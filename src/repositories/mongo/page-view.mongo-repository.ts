import { pageViewKey, type PageViewDoc, type PageViewModel } from '../../models/page-view.model';
import type { PageViewRecord, PageViewRepository } from '../page-view.repository';
import { duplicateKeyFields, isDuplicateKeyError, str } from './mongo-errors';

function toPageViewRecord(doc: PageViewDoc): PageViewRecord {
  return {
    id: doc.pageViewId,
    account: doc.account,
    visitorId: doc.visitorId,
    url: doc.url,
    title: doc.title ?? null,
    referrer: doc.referrer ?? null,
    viewedAt: new Date(doc.viewedAt.getTime()),
    receivedAt: new Date(doc.receivedAt.getTime()),
    contactId: doc.contactId ?? null,
  };
}

export class MongoPageViewRepository implements PageViewRepository {
  constructor(private readonly model: PageViewModel) {}

  async insert(r: PageViewRecord) {
    try {
      await this.model.insertOne({
        _id: pageViewKey(str(r.account, 'account'), str(r.id, 'id')),
        pageViewId: r.id,
        account: r.account,
        visitorId: r.visitorId,
        url: r.url,
        title: r.title,
        referrer: r.referrer,
        viewedAt: r.viewedAt,
        receivedAt: r.receivedAt,
        contactId: r.contactId,
      });
      return 'inserted' as const;
    } catch (err) {
      // Same (account, id): already recorded; the stored document stays as the first insert wrote it.
      if (isDuplicateKeyError(err) && duplicateKeyFields(err).every((f) => f === '_id')) return 'exists' as const;
      throw err;
    }
  }

  async findById(account: string, id: string) {
    const doc = await this.model.findOne({ _id: pageViewKey(str(account, 'account'), str(id, 'id')), account }).lean<PageViewDoc>();
    return doc ? toPageViewRecord(doc) : null;
  }

  async listUnattached(account: string, visitorId: string, limit: number) {
    if (limit < 1) return [];
    const docs = await this.model
      .find({ account: str(account, 'account'), visitorId: str(visitorId, 'visitorId'), contactId: null })
      .sort({ viewedAt: -1, _id: -1 })
      .limit(limit)
      .lean<PageViewDoc[]>();
    return docs.map(toPageViewRecord);
  }

  async attach(account: string, id: string, contactId: string) {
    const _id = pageViewKey(str(account, 'account'), str(id, 'id'));
    // The contactId: null filter makes this a compare-and-set: the first attach wins.
    const result = await this.model.updateOne({ _id, account, contactId: null }, { $set: { contactId: str(contactId, 'contactId') } });
    if (result.matchedCount === 1) return true;
    const doc = await this.model.findOne({ _id, account }, { contactId: 1 }).lean<Pick<PageViewDoc, 'contactId'>>();
    return doc?.contactId === contactId;
  }

  async count(account: string) {
    return this.model.countDocuments({ account: str(account, 'account') });
  }
}
