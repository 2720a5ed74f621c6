import { Schema, type Connection, type Model } from 'mongoose';
import { activityKey } from './activity.model';

/**
 * `page_views` collection. Like activities, ids are unique per account, not globally, so `_id` is
 * the compound key (account, id) and the `_id` index makes the insert idempotent per account.
 */
export const pageViewKey = activityKey;

export interface PageViewDoc {
  _id: string;
  pageViewId: string;
  account: string;
  visitorId: string;
  url: string;
  title: string | null;
  referrer: string | null;
  viewedAt: Date;
  receivedAt: Date;
  contactId: string | null;
}

export const pageViewSchema = new Schema<PageViewDoc>(
  {
    _id: { type: String, required: true },
    pageViewId: { type: String, required: true },
    account: { type: String, required: true },
    visitorId: { type: String, required: true },
    url: { type: String, required: true },
    title: { type: String, default: null },
    referrer: { type: String, default: null },
    viewedAt: { type: Date, required: true },
    receivedAt: { type: Date },
    contactId: { type: String, default: null },
  },
  {
    collection: 'page_views',
    versionKey: false,
    id: false,
    autoIndex: false,
    autoCreate: false,
    strictQuery: 'throw',
  },
);

export const PAGE_VIEW_INDEX = {
  visitorContact: 'page_views_account_visitorId_contactId_viewedAt_id',
} as const;

// listUnattached (contactId: null, newest first, ties by _id desc) without scanning the visitor's
// attached views and without a sort in memory; count(account) by its account prefix.
pageViewSchema.index(
  { account: 1, visitorId: 1, contactId: 1, viewedAt: -1, _id: -1 },
  { name: PAGE_VIEW_INDEX.visitorContact },
);

export type PageViewModel = Model<PageViewDoc>;

export function pageViewModel(connection: Connection): PageViewModel {
  return (connection.models.PageView as PageViewModel | undefined) ?? connection.model<PageViewDoc>('PageView', pageViewSchema);
}
