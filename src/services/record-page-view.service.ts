import type { MergeOptions } from '../domain';
import { pageViewSchema } from '../jobs/page-view.schema';
import type { Account, PageViewRecord, Repositories } from '../repositories';
import { PermanentJobError } from '../shared/errors';
import { formatIssues } from '../shared/zod-issues';
import { attachPageViews } from './page-view-attach';

export interface RecordPageViewInput {
  account: string;
  pageViewId: string;
  receivedAt: Date;
  payload: unknown;
}

export interface RecordPageViewResult {
  /** attached: a contact holds the visitor id; anonymous: none yet (stitching attaches it later). */
  outcome: 'attached' | 'anonymous';
  contactId: string | null;
}

export interface RecordPageViewDeps {
  repos: Repositories;
  findAccount?(id: string): Promise<Account | null>;
  mergeOptions(account: Account): MergeOptions;
}

/**
 * The use case behind `page-view` jobs. Idempotent, whatever the retries: the record is inserted
 * once per (account, id) (a retry reads the stored one), and attaching is a top-N merge plus a
 * compare-and-set (page-view-attach.ts). The record is written BEFORE the contact is looked up, so
 * an identified activity stitching concurrently either sees this view or is seen by it.
 */
export function createRecordPageView(deps: RecordPageViewDeps) {
  const { repos } = deps;

  return async function recordPageView(input: RecordPageViewInput): Promise<RecordPageViewResult> {
    const account = await (deps.findAccount ?? ((id: string) => repos.accounts.findById(id)))(input.account);
    if (!account) throw new PermanentJobError('unknown_account', `account ${input.account} does not exist`);

    const parsed = pageViewSchema.safeParse(input.payload);
    if (!parsed.success) {
      const paths = formatIssues(parsed.error).map((i) => i.path).join(', ');
      throw new PermanentJobError('invalid_page_view', `the page view does not match the schema (${paths})`);
    }
    const body = parsed.data;
    const record: PageViewRecord = {
      id: input.pageViewId,
      account: account.id,
      visitorId: body.visitorId,
      url: body.url,
      title: body.title ?? null,
      referrer: body.referrer ?? null,
      viewedAt: new Date(body.viewedAt),
      receivedAt: input.receivedAt,
      contactId: null,
    };
    // A retry (or a redelivery after Redis forgot the job) continues from the stored record.
    const stored = (await repos.pageViews.insert(record)) === 'inserted' ? record : await repos.pageViews.findById(account.id, record.id);
    if (!stored) throw new PermanentJobError('page_view_missing', `page view ${record.id} vanished after its insert`);
    if (stored.contactId) return { outcome: 'attached', contactId: stored.contactId };

    const contact = await repos.contacts.findByVisitorId(account.id, stored.visitorId);
    if (!contact) return { outcome: 'anonymous', contactId: null };
    await attachPageViews(repos, account.id, contact.id, [stored], deps.mergeOptions(account).recentLimit);
    // The compare-and-set may have lost to a concurrent stitch onto another holder of the visitor id.
    const now = await repos.pageViews.findById(account.id, stored.id);
    return now?.contactId ? { outcome: 'attached', contactId: now.contactId } : { outcome: 'anonymous', contactId: null };
  };
}

export type RecordPageView = ReturnType<typeof createRecordPageView>;
