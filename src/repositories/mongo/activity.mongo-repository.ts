import mongoose from 'mongoose';
import { activityKey, type ActivityDoc, type ActivityModel } from '../../models/activity.model';
import type { ActivityOutcome, ActivityRecord, ActivityRepository, TimelineQuery, UnidentifiedFilter } from '../activity.repository';
import { duplicateKeyFields, isDuplicateKeyError, str } from './mongo-errors';

export function toActivityRecord(doc: ActivityDoc): ActivityRecord {
  return {
    id: doc.activityId,
    account: doc.account,
    type: doc.type,
    source: doc.source,
    occurredAt: doc.occurredAt,
    receivedAt: doc.receivedAt,
    processedAt: doc.processedAt,
    email: doc.email ?? null,
    phone: doc.phone ?? null,
    phoneExtension: doc.phoneExtension ?? null,
    visitorId: doc.visitorId ?? null,
    externalId: doc.externalId ?? null,
    fields: Object.fromEntries((doc.fields ?? []).map((f) => [f.key, f.value ?? null])),
    ...(doc.details ? { details: Object.fromEntries(doc.details.map((f) => [f.key, f.value ?? null])) } : {}),
    outcome: doc.outcome,
    contactId: doc.contactId ?? null,
    claim: doc.claim ? { ...doc.claim, warnings: [...(doc.claim.warnings ?? [])] } : null,
    warnings: [...(doc.warnings ?? [])],
    provider: doc.provider ?? null,
    payload: doc.payloadJson === undefined ? undefined : JSON.parse(doc.payloadJson),
    ...(typeof doc.status === 'string' ? { status: doc.status } : {}),
  };
}

function toActivityDoc(r: ActivityRecord): ActivityDoc {
  const payloadJson = r.payload === undefined ? undefined : JSON.stringify(r.payload);
  return {
    _id: activityKey(str(r.account, 'account'), str(r.id, 'id')),
    activityId: r.id,
    account: r.account,
    type: r.type,
    source: r.source,
    occurredAt: r.occurredAt,
    receivedAt: r.receivedAt,
    processedAt: r.processedAt,
    email: r.email,
    phone: r.phone,
    phoneExtension: r.phoneExtension,
    visitorId: r.visitorId,
    externalId: r.externalId,
    fields: Object.entries(r.fields).map(([key, value]) => ({ key, value })),
    ...(r.details ? { details: Object.entries(r.details).map(([key, value]) => ({ key, value })) } : {}),
    outcome: r.outcome,
    contactId: r.contactId,
    claim: r.claim ? { ...r.claim, warnings: [...r.claim.warnings] } : null,
    warnings: [...r.warnings],
    provider: r.provider,
    ...(typeof r.status === 'string' ? { status: r.status } : {}),
    ...(payloadJson === undefined ? {} : { payloadJson }),
  };
}

export class MongoActivityRepository implements ActivityRepository {
  constructor(private readonly model: ActivityModel) {}

  async insert(record: ActivityRecord) {
    try {
      await this.model.insertOne(toActivityDoc(record));
      return 'inserted' as const;
    } catch (err) {
      // The _id is the (account, id) key: a duplicate means this activity is already recorded,
      // and the stored document is left exactly as the first insert wrote it.
      if (isDuplicateKeyError(err) && duplicateKeyFields(err).every((f) => f === '_id')) return 'exists' as const;
      throw err;
    }
  }

  async findById(account: string, id: string) {
    const doc = await this.model
      .findOne({ _id: activityKey(str(account, 'account'), str(id, 'id')), account })
      .lean<ActivityDoc>();
    return doc ? toActivityRecord(doc) : null;
  }

  async listForContact(account: string, contactId: string, limit: number) {
    if (limit < 1) return [];
    const docs = await this.model
      .find({ account: str(account, 'account'), contactId: str(contactId, 'contactId') })
      .sort({ occurredAt: -1, _id: -1 })
      .limit(limit)
      .lean<ActivityDoc[]>();
    return docs.map(toActivityRecord);
  }

  async count(account: string, filter: { outcome?: ActivityOutcome } = {}) {
    return this.model.countDocuments({
      account: str(account, 'account'),
      ...(filter.outcome === undefined ? {} : { outcome: str(filter.outcome, 'outcome') as ActivityOutcome }),
    });
  }

  async listUnidentified(account: string, filter: UnidentifiedFilter) {
    if (filter.limit < 1) return [];
    // trusted(): our own operators must survive the connection's sanitizeFilter (which would
    // otherwise wrap them in $eq); their operands are Dates and a string-checked id.
    const receivedAt = mongoose.trusted({
      ...(filter.since ? { $gte: filter.since } : {}),
      ...(filter.until ? { $lt: filter.until } : {}),
    });
    // Served by the (account, outcome) index; activityId order equals _id order within an account.
    const docs = await this.model
      .find({
        account: str(account, 'account'),
        outcome: 'unidentified',
        ...(filter.after === undefined ? {} : { _id: mongoose.trusted({ $gt: activityKey(account, str(filter.after, 'after')) }) }),
        ...(filter.since || filter.until ? { receivedAt } : {}),
      })
      .sort({ _id: 1 })
      .limit(filter.limit)
      .lean<ActivityDoc[]>();
    return docs.map(toActivityRecord);
  }

  async replaceIf(record: ActivityRecord, expected: { outcome: ActivityOutcome; contactId: string | null }) {
    const doc = toActivityDoc(record);
    // The filter on outcome and contact makes this a compare-and-set on one document.
    const result = await this.model.replaceOne(
      { _id: doc._id, account: doc.account, outcome: str(expected.outcome, 'outcome') as ActivityOutcome, contactId: expected.contactId === null ? null : str(expected.contactId, 'contactId') },
      doc,
    );
    return result.matchedCount === 1;
  }


  async deleteForContact(account: string, contactId: string) {
    const result = await this.model.deleteMany({ account: str(account, 'account'), contactId: str(contactId, 'contactId') });
    return result.deletedCount;
  }

  // GDPR erase and the unidentified listing.
  async listIdsForContact(account: string, contactId: string) {
    // Served by the (account, contactId, …) history index; only the ids travel.
    const docs = await this.model
      .find({ account: str(account, 'account'), contactId: str(contactId, 'contactId') }, { activityId: 1, _id: 0 })
      .lean<{ activityId: string }[]>();
    return docs.map((d) => d.activityId);
  }

  async countUnidentified(account: string, filter: { since?: Date; until?: Date }) {
    // The (account, outcome) prefix of activities_account_outcome_id; receivedAt is checked per document.
    const receivedAt = mongoose.trusted({
      ...(filter.since ? { $gte: filter.since } : {}),
      ...(filter.until ? { $lt: filter.until } : {}),
    });
    return this.model.countDocuments({
      account: str(account, 'account'),
      outcome: 'unidentified',
      ...(filter.since || filter.until ? { receivedAt } : {}),
    });
  }

  // A contact's timeline and contact deletion.
  async listTimeline(account: string, contactId: string, query: TimelineQuery) {
    if (query.limit < 1) return [];
    const filter: Record<string, unknown> = { account: str(account, 'account'), contactId: str(contactId, 'contactId') };
    if (query.type !== undefined) filter.type = str(query.type, 'type');
    if (query.before) {
      // Keyset: from the last entry on (one index range), minus the ties already shown. Within one
      // account the _id order is the id order.
      const { occurredAt } = query.before;
      const key = activityKey(account, str(query.before.id, 'cursor'));
      filter.occurredAt = mongoose.trusted({ $lte: occurredAt });
      filter.$nor = [{ occurredAt, _id: mongoose.trusted({ $gte: key }) }];
    }
    const docs = await this.model.find(filter).sort({ occurredAt: -1, _id: -1 }).limit(query.limit).lean<ActivityDoc[]>();
    return docs.map(toActivityRecord);
  }

  async detachContact(account: string, contactId: string) {
    // The (account, contactId) prefix of the history index; pending claims are left to the worker.
    const result = await this.model.updateMany(
      { account: str(account, 'account'), contactId: str(contactId, 'contactId'), outcome: mongoose.trusted({ $in: ['processed'] }) },
      { $set: { contactId: null } },
    );
    return result.modifiedCount;
  }
}

