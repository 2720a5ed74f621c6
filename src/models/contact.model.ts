import { Schema, type Connection, type Model } from 'mongoose';

/**
 * `contacts` collection. `_id` is the contact id (a time-ordered string from `newId`), so cursor
 * pagination by `_id` is stable. See docs/storage.md for every index and what it serves.
 */

/** One captured field. Stored as an entry (key is data, not a BSON field name): see docs/storage.md. */
export interface CapturedFieldEntryDoc {
  key: string;
  value: string | number | boolean;
  source: string;
  setAt: Date;
  activityId: string;
}

export interface RecentActivityDoc {
  activityId: string;
  type: string;
  source: string;
  occurredAt: Date;
}

export interface RecentPageViewDoc {
  pageViewId: string;
  url: string;
  title: string | null;
  viewedAt: Date;
}

export interface ContactDoc {
  _id: string;
  account: string;
  email: string | null;
  phone: string | null;
  /**
   * = phone when the contact has no email; absent otherwise. Maintained by the repository on
   * every write and never exposed: it exists only to carry the unique (account, phoneOnly) index.
   */
  phoneOnly?: string;
  status: string;
  fields: CapturedFieldEntryDoc[];
  recentActivities: RecentActivityDoc[];
  recentPageViews: RecentPageViewDoc[];
  visitorIds: string[];
  firstSeenAt: Date;
  lastActivityAt: Date;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

const capturedFieldSchema = new Schema<CapturedFieldEntryDoc>(
  {
    key: { type: String },
    // string | number | boolean, kept as given (no casting).
    value: { type: Schema.Types.Mixed },
    source: { type: String },
    setAt: { type: Date },
    activityId: { type: String },
  },
  { _id: false },
);

const recentActivitySchema = new Schema<RecentActivityDoc>(
  {
    activityId: { type: String },
    type: { type: String },
    source: { type: String },
    occurredAt: { type: Date },
  },
  { _id: false },
);

const recentPageViewSchema = new Schema<RecentPageViewDoc>(
  {
    pageViewId: { type: String },
    url: { type: String },
    title: { type: String, default: null },
    viewedAt: { type: Date },
  },
  { _id: false },
);

export const contactSchema = new Schema<ContactDoc>(
  {
    _id: { type: String, required: true },
    account: { type: String, required: true },
    email: { type: String, default: null },
    phone: { type: String, default: null },
    phoneOnly: { type: String },
    status: { type: String },
    fields: { type: [capturedFieldSchema], default: [] },
    recentActivities: { type: [recentActivitySchema], default: [] },
    recentPageViews: { type: [recentPageViewSchema], default: [] },
    visitorIds: { type: [String], default: [] },
    firstSeenAt: { type: Date, required: true },
    lastActivityAt: { type: Date, required: true },
    version: { type: Number, required: true },
  },
  {
    collection: 'contacts',
    timestamps: true,
    versionKey: false,
    id: false,
    autoIndex: false,
    autoCreate: false,
    strictQuery: 'throw',
  },
);

export const CONTACT_INDEX = {
  accountEmail: 'contacts_account_email_unique',
  accountPhoneOnly: 'contacts_account_phoneOnly_unique',
  accountPhonePhoneOnlyRecent: 'contacts_account_phone_phoneOnly_lastActivityAt',
  accountPhoneId: 'contacts_account_phone_id',
  accountId: 'contacts_account_id',
  accountVisitorRecent: 'contacts_account_visitorIds_lastActivityAt_id',
} as const;

// One contact per (account, email). Email-less contacts (email: null) are not in the index.
contactSchema.index(
  { account: 1, email: 1 },
  { name: CONTACT_INDEX.accountEmail, unique: true, partialFilterExpression: { email: { $type: 'string' } } },
);
// At most one email-less contact per (account, phone).
contactSchema.index(
  { account: 1, phoneOnly: 1 },
  { name: CONTACT_INDEX.accountPhoneOnly, unique: true, partialFilterExpression: { phoneOnly: { $type: 'string' } } },
);
// findByPhone: equality on (account, phone), then the email-less holder first (phoneOnly desc: a
// missing field sorts as null), then lastActivityAt desc and _id asc, all from the index.
contactSchema.index(
  { account: 1, phone: 1, phoneOnly: -1, lastActivityAt: -1, _id: 1 },
  { name: CONTACT_INDEX.accountPhonePhoneOnlyRecent },
);
// list({ phone }): one phone's holders in _id order (cursor = last _id), however many share it.
contactSchema.index({ account: 1, phone: 1, _id: 1 }, { name: CONTACT_INDEX.accountPhoneId });
// list / count: one tenant's contacts in _id order (cursor = last _id) without scanning other tenants.
contactSchema.index({ account: 1, _id: 1 }, { name: CONTACT_INDEX.accountId });

// findByVisitorId: multikey equality on (account, visitorIds), most recently active first, ties by
// _id asc, all from the index.
contactSchema.index(
  { account: 1, visitorIds: 1, lastActivityAt: -1, _id: 1 },
  { name: CONTACT_INDEX.accountVisitorRecent },
);

export type ContactModel = Model<ContactDoc>;

export function contactModel(connection: Connection): ContactModel {
  return (connection.models.Contact as ContactModel | undefined) ?? connection.model<ContactDoc>('Contact', contactSchema);
}
