import mongoose from 'mongoose';
import { contactSearchKeys, SORT_DIRECTION, sortValueOf } from '../../domain/contact-search';
import type { ContactState } from '../../domain/types';
import { VersionConflictError } from '../../shared/errors';
import type { ContactDoc, ContactModel } from '../../models/contact.model';
import type { ContactListQuery, ContactRecord, ContactRepository, ContactSearchPage, ContactSearchQuery, NewContact, Page } from '../contact.repository';
import { isDuplicateKeyError, str, toContactDuplicateError } from './mongo-errors';

const date = (d: Date) => new Date(d.getTime());

/** Plain record out of a lean document: `_id` → id, fields entries → object, no phoneOnly. */
export function toContactRecord(doc: ContactDoc): ContactRecord {
  return {
    id: doc._id,
    account: doc.account,
    status: doc.status,
    statusSet: doc.statusSet ? { setAt: date(doc.statusSet.setAt), activityId: doc.statusSet.activityId, source: doc.statusSet.source } : null,
    version: doc.version,
    createdAt: date(doc.createdAt),
    updatedAt: date(doc.updatedAt),
    email: doc.email ?? null,
    phone: doc.phone ?? null,
    fields: Object.fromEntries(
      (doc.fields ?? []).map((f) => [f.key, { value: f.value ?? null, source: f.source, setAt: date(f.setAt), activityId: f.activityId }]),
    ),
    recentActivities: (doc.recentActivities ?? []).map((a) => ({
      activityId: a.activityId,
      type: a.type,
      source: a.source,
      occurredAt: date(a.occurredAt),
    })),
    recentPageViews: (doc.recentPageViews ?? []).map((v) => ({
      pageViewId: v.pageViewId,
      url: v.url,
      title: v.title ?? null,
      viewedAt: date(v.viewedAt),
    })),
    visitorIds: [...(doc.visitorIds ?? [])],
    firstSeenAt: date(doc.firstSeenAt),
    lastActivityAt: date(doc.lastActivityAt),
  };
}

/** The stored form of the activity-derived state. Only ContactState keys are taken. */
function toStateDoc(state: ContactState) {
  return {
    email: state.email ?? null,
    phone: state.phone ?? null,
    fields: Object.entries(state.fields).map(([key, f]) => ({
      key,
      value: f.value,
      source: f.source,
      setAt: f.setAt,
      activityId: f.activityId,
    })),
    recentActivities: state.recentActivities.map((a) => ({
      activityId: a.activityId,
      type: a.type,
      source: a.source,
      occurredAt: a.occurredAt,
    })),
    recentPageViews: state.recentPageViews.map((v) => ({
      pageViewId: v.pageViewId,
      url: v.url,
      title: v.title,
      viewedAt: v.viewedAt,
    })),
    visitorIds: [...state.visitorIds],
    firstSeenAt: state.firstSeenAt,
    lastActivityAt: state.lastActivityAt,
    // Derived from the fields above on every write, so it never lags behind them.
    search: contactSearchKeys(state),
    ...(state.status !== undefined ? { status: state.status } : {}),
    ...(state.statusSet !== undefined ? { statusSet: state.statusSet && { ...state.statusSet } } : {}),
  };
}

/** The phoneOnly invariant: phoneOnly = phone exactly when the contact has no email. */
function phoneOnlyOf(state: ContactState): string | null {
  return !state.email && state.phone ? state.phone : null;
}

// Explicit `$type` makes the partial unique index eligible for the lookup (its filter expression
// is then literally part of the query). `trusted` exempts our own operators from sanitizeFilter.
const emailIs = (email: string) => mongoose.trusted({ $eq: email, $type: 'string' as const });

export class MongoContactRepository implements ContactRepository {
  constructor(private readonly model: ContactModel) {}

  async findById(account: string, id: string) {
    const doc = await this.model
      .findOne({ _id: str(id, 'id'), account: str(account, 'account') })
      .lean<ContactDoc>();
    return doc ? toContactRecord(doc) : null;
  }

  async findByEmail(account: string, email: string) {
    const doc = await this.model
      .findOne({ account: str(account, 'account'), email: emailIs(str(email, 'email')) })
      .lean<ContactDoc>();
    return doc ? toContactRecord(doc) : null;
  }

  async findByPhone(account: string, phone: string, limit: number) {
    if (limit < 1) return [];
    // A missing phoneOnly sorts as null, below any string, so descending puts the one email-less
    // holder first (https://www.mongodb.com/docs/manual/reference/bson-type-comparison-order/).
    const docs = await this.model
      .find({ account: str(account, 'account'), phone: str(phone, 'phone') })
      .sort({ phoneOnly: -1, lastActivityAt: -1, _id: 1 })
      .limit(limit)
      .lean<ContactDoc[]>();
    return docs.map(toContactRecord);
  }

  async findByVisitorId(account: string, visitorId: string) {
    // Equality on the array field matches any element (multikey index).
    const doc = await this.model
      .findOne({ account: str(account, 'account'), visitorIds: str(visitorId, 'visitorId') })
      .sort({ lastActivityAt: -1, _id: 1 })
      .lean<ContactDoc>();
    return doc ? toContactRecord(doc) : null;
  }

  async create({ id, account, status, state }: NewContact) {
    const phoneOnly = phoneOnlyOf(state);
    try {
      const doc = await this.model.create({
        _id: str(id, 'id'),
        account: str(account, 'account'),
        version: 1,
        ...toStateDoc(state),
        status,
        statusSet: state.statusSet ?? null,
        ...(phoneOnly ? { phoneOnly } : {}),
      });
      return toContactRecord(doc.toObject<ContactDoc>());
    } catch (err) {
      if (isDuplicateKeyError(err)) throw toContactDuplicateError(err);
      throw err;
    }
  }

  async update(account: string, id: string, expectedVersion: number, state: ContactState) {
    const phoneOnly = phoneOnlyOf(state);
    let doc: ContactDoc | null;
    try {
      doc = await this.model
        .findOneAndUpdate(
          { _id: str(id, 'id'), account: str(account, 'account'), version: expectedVersion },
          {
            $set: { ...toStateDoc(state), ...(phoneOnly ? { phoneOnly } : {}) },
            ...(phoneOnly ? {} : { $unset: { phoneOnly: 1 } }),
            $inc: { version: 1 },
          },
          { returnDocument: 'after' },
        )
        .lean<ContactDoc>();
    } catch (err) {
      if (isDuplicateKeyError(err)) throw toContactDuplicateError(err);
      throw err;
    }
    // Missing, other tenant's, or changed since read: the caller re-reads and retries.
    if (!doc) throw new VersionConflictError();
    return toContactRecord(doc);
  }

  async list(account: string, query: ContactListQuery): Promise<Page<ContactRecord>> {
    const filter: Record<string, unknown> = { account: str(account, 'account') };
    if (query.email !== undefined) filter.email = emailIs(str(query.email, 'email'));
    if (query.phone !== undefined) filter.phone = str(query.phone, 'phone');
    if (query.cursor !== undefined) filter._id = mongoose.trusted({ $gt: str(query.cursor, 'cursor') });
    const docs = await this.model
      .find(filter)
      .sort({ _id: 1 })
      .limit(query.limit + 1)
      .lean<ContactDoc[]>();
    const data = docs.slice(0, query.limit).map(toContactRecord);
    const last = data[data.length - 1];
    return { data, nextCursor: docs.length > query.limit && last ? last.id : null };
  }

  async delete(account: string, id: string) {
    const result = await this.model.deleteOne({ _id: str(id, 'id'), account: str(account, 'account') });
    return result.deletedCount === 1;
  }

  async count(account: string) {
    return this.model.countDocuments({ account: str(account, 'account') });
  }

  // Contact statuses (operator API): equality on (account, status), a prefix of the status list indexes.
  async countByStatus(account: string, status: string) {
    return this.model.countDocuments({ account: str(account, 'account'), status: str(status, 'status') });
  }

  async replaceStatus(account: string, from: string, to: string) {
    if (from === to) return 0;
    // One write per matching document, each atomic; the version bump sends a concurrent versioned
    // update (a worker holding the old status) back to re-read, so the move is never undone.
    const result = await this.model.updateMany(
      { account: str(account, 'account'), status: str(from, 'from') },
      { $set: { status: str(to, 'to') }, $inc: { version: 1 } },
    );
    return result.modifiedCount;
  }

  // Operator contact list. Every operator is ours (trusted), every operand a checked string, a Date
  // or a number, and q reaches the query only as escaped literal text after an anchor.
  async search(account: string, query: ContactSearchQuery): Promise<ContactSearchPage> {
    if (query.limit < 1) return { data: [], next: null };
    const { sort, after } = query;
    const direction = SORT_DIRECTION[sort];
    const path = SORT_PATH[sort];
    const filter: Record<string, unknown> = { account: str(account, 'account') };
    if (query.status !== undefined) filter.status = str(query.status, 'status');
    if (query.prefixes !== undefined) {
      filter['search.terms'] = mongoose.trusted({ $in: query.prefixes.map((p) => new RegExp(`^${escapeRegExp(str(p, 'prefix'))}`)) });
    }
    const bounds: Record<string, Record<string, unknown>> = {};
    const bound = (field: string, op: string, value: unknown) => void ((bounds[field] ??= {})[op] = value);
    if (query.capturedFrom) bound('firstSeenAt', '$gte', query.capturedFrom);
    if (query.capturedTo) bound('firstSeenAt', '$lt', query.capturedTo);
    if (after !== undefined) {
      // Keyset: from the last position on (one index range), minus the ties already shown.
      const value = sort === 'name' ? str(after.value, 'cursor') : new Date(Number(after.value));
      bound(path, direction < 0 ? '$lte' : '$gte', value);
      filter.$nor = [{ [path]: value, _id: mongoose.trusted({ [direction < 0 ? '$gte' : '$lte']: str(after.id, 'cursor') }) }];
    }
    for (const [field, ops] of Object.entries(bounds)) filter[field] = mongoose.trusted(ops);
    const docs = await this.model
      .find(filter)
      .sort({ [path]: direction, _id: direction })
      .limit(query.limit + 1)
      .lean<ContactDoc[]>();
    const page = docs.slice(0, query.limit);
    const last = page[page.length - 1];
    if (docs.length <= query.limit || !last) return { data: page.map(toContactRecord), next: null };
    // The position is what the sort used: the stored name key (the one the index holds).
    const value = sort === 'name' ? (last.search?.name ?? sortValueOf(toContactRecord(last), sort)) : sortValueOf(toContactRecord(last), sort);
    return { data: page.map(toContactRecord), next: { value, id: last._id } };
  }
}

const SORT_PATH = { lastActivityAt: 'lastActivityAt', firstSeenAt: 'firstSeenAt', name: 'search.name' } as const;

/** Every regular-expression metacharacter escaped: the text matches only itself. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}
