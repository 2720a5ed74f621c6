import { Schema, type Connection, type Model } from 'mongoose';

/**
 * `contacts` collection. `_id` is the contact id (a time-ordered string from `newId`), so cursor
 * pagination by `_id` is stable. See docs/storage.md for every index and what it serves.
 */

/** One captured field. Stored as an entry (key is data, not a BSON field name): see docs/storage.md. */
export interface CapturedFieldEntryDoc {
  key: string;
  /** null: a tombstone (an operator cleared the field at setAt). */
  value: string | number | boolean | null;
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

export interface StatusSetDoc {
  setAt: Date;
  activityId: string;
  source: string;
}

/**
 * Lower-cased search and sort keys derived from the contact (contactSearchKeys in
 * src/domain/contact-search.ts). Maintained by the repository on every write and never exposed,
 * like phoneOnly: they exist only for the list's indexes.
 */
export interface ContactSearchDoc {
  terms: string[];
  name: string;
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
  /** The event that set `status`; null while it is the default the contact was created with. */
  statusSet?: StatusSetDoc | null;
  search?: ContactSearchDoc;
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

const statusSetSchema = new Schema<StatusSetDoc>(
  {
    setAt: { type: Date },
    activityId: { type: String },
    source: { type: String },
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
    statusSet: { type: statusSetSchema, default: null },
    search: {
      terms: { type: [String], default: undefined },
      name: { type: String },
    },
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
  // The operator's contact list (search in contact.mongo-repository.ts; docs/storage.md "Indexes").
  accountRecent: 'contacts_account_lastActivityAt_id',
  accountStatusRecent: 'contacts_account_status_lastActivityAt_id',
  accountFirstSeen: 'contacts_account_firstSeenAt_id',
  accountStatusFirstSeen: 'contacts_account_status_firstSeenAt_id',
  accountName: 'contacts_account_searchName_id',
  accountStatusName: 'contacts_account_status_searchName_id',
  accountSearchTerms: 'contacts_account_searchTerms',
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

// The operator's contact list: each sort (lastActivityAt and firstSeenAt newest first, name
// ascending, ties by _id in the same direction) from an index after the account, and after
// (account, status) when the list is filtered by status, so a page reads only its own entries.
// capturedFrom/To bound firstSeenAt: index bounds under the firstSeenAt sort, a filter under the others.
contactSchema.index({ account: 1, lastActivityAt: -1, _id: -1 }, { name: CONTACT_INDEX.accountRecent });
contactSchema.index({ account: 1, status: 1, lastActivityAt: -1, _id: -1 }, { name: CONTACT_INDEX.accountStatusRecent });
contactSchema.index({ account: 1, firstSeenAt: -1, _id: -1 }, { name: CONTACT_INDEX.accountFirstSeen });
contactSchema.index({ account: 1, status: 1, firstSeenAt: -1, _id: -1 }, { name: CONTACT_INDEX.accountStatusFirstSeen });
contactSchema.index({ account: 1, 'search.name': 1, _id: 1 }, { name: CONTACT_INDEX.accountName });
contactSchema.index({ account: 1, status: 1, 'search.name': 1, _id: 1 }, { name: CONTACT_INDEX.accountStatusName });
// q: anchored prefixes of the search terms (multikey), one range per prefix; the planner sorts
// those matches, or walks a sort index above and filters, whichever its trial finds cheaper.
contactSchema.index({ account: 1, 'search.terms': 1 }, { name: CONTACT_INDEX.accountSearchTerms });

export type ContactModel = Model<ContactDoc>;

export function contactModel(connection: Connection): ContactModel {
  return (connection.models.Contact as ContactModel | undefined) ?? connection.model<ContactDoc>('Contact', contactSchema);
}
