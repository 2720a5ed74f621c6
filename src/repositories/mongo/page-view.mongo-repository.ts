import mongoose from 'mongoose';
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

  // GDPR erase.
  async listIdsOfVisitor(account: string, visitorId: string) {
    // The (account, visitorId) prefix of the visitor index; only ids and owners travel.
    const docs = await this.model
      .find({ account: str(account, 'account'), visitorId: str(visitorId, 'visitorId') }, { pageViewId: 1, contactId: 1, _id: 0 })
      .lean<Pick<PageViewDoc, 'pageViewId' | 'contactId'>[]>();
    return docs.map((d) => ({ id: d.pageViewId, contactId: d.contactId ?? null }));
  }

  async deleteByIds(account: string, ids: readonly string[]) {
    const keys = [...new Set(ids)].map((id) => pageViewKey(str(account, 'account'), str(id, 'id')));
    let deleted = 0;
    // Bounded filters: one erase may name thousands of views.
    for (let i = 0; i < keys.length; i += DELETE_CHUNK) {
      // trusted(): our own $in must survive sanitizeFilter; its operands are keys built from checked strings.
      const result = await this.model.deleteMany({ account, _id: mongoose.trusted({ $in: keys.slice(i, i + DELETE_CHUNK) }) });
      deleted += result.deletedCount;
    }
    return deleted;
  }

  // Contact deletion.
  async detachContact(account: string, contactId: string, visitorIds: readonly string[]) {
    let n = 0;
    // One equality (account, visitorId, contactId) per visitor id: the prefix of the visitor index.
    for (const visitorId of new Set(visitorIds)) {
      const result = await this.model.updateMany(
        { account: str(account, 'account'), visitorId: str(visitorId, 'visitorId'), contactId: str(contactId, 'contactId') },
        { $set: { contactId: null } },
      );
      n += result.modifiedCount;
    }
    return n;
  }
}

const DELETE_CHUNK = 1000;
