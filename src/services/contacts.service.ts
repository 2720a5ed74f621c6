import { z } from 'zod';
import { normalizeEmail, normalizePhone, type FieldValue, type IdentityPolicy, type MergeOptions } from '../domain';
import { searchPrefixes, type ContactSort } from '../domain/contact-search';
import { matchStatus } from '../domain/contact-status';
import type { Account, ActivityRecord, ContactPosition, ContactRecord, Page, Repositories } from '../repositories';
import { NotFoundError, ValidationError } from '../shared/errors';
import { createContactEdit } from './contact-edit.service';
import { decodeCursor, encodeCursor } from './cursor';

/** The contact as the API shows it. */
export interface ContactView {
  id: string;
  email: string | null;
  phone: string | null;
  status: string;
  fields: Record<string, { value: string | number | boolean; source: string; setAt: string }>;
  recentActivities: { id: string; type: string; source: string; occurredAt: string }[];
  recentPageViews: { id: string; url: string; title: string | null; viewedAt: string }[];
  visitorIds: string[];
  firstSeenAt: string;
  lastActivityAt: string;
  createdAt: string;
  updatedAt: string;
  /** What If-Match names (the ETag is `"<version>"`). */
  version: number;
}

export function toContactView(c: ContactRecord): ContactView {
  return {
    id: c.id,
    email: c.email,
    phone: c.phone,
    status: c.status,
    // A cleared field (tombstone) is kept for the merge, not shown.
    fields: Object.fromEntries(
      Object.entries(c.fields).flatMap(([k, f]) => (f.value === null ? [] : [[k, { value: f.value, source: f.source, setAt: new Date(f.setAt).toISOString() }]])),
    ),
    recentActivities: c.recentActivities.map((a) => ({
      id: a.activityId,
      type: a.type,
      source: a.source,
      occurredAt: new Date(a.occurredAt).toISOString(),
    })),
    recentPageViews: c.recentPageViews.map((v) => ({
      id: v.pageViewId,
      url: v.url,
      title: v.title,
      viewedAt: new Date(v.viewedAt).toISOString(),
    })),
    visitorIds: c.visitorIds,
    firstSeenAt: c.firstSeenAt.toISOString(),
    lastActivityAt: c.lastActivityAt.toISOString(),
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
    version: c.version,
  };
}

/** One entry of a contact's timeline (GET /v1/contacts/{id}/activities). */
export interface TimelineActivityView {
  id: string;
  type: string;
  source: string;
  occurredAt: string;
  receivedAt: string;
  outcome: string;
  status: string | null;
  email: string | null;
  phone: string | null;
  /** As the activity carried them; an operator edit's null is a cleared field. */
  fields: Record<string, FieldValue>;
  /** What happened (start time, event type, unmapped answers): on the activity only, never on the contact. */
  details: Record<string, FieldValue>;
  warnings: string[];
}

export function toTimelineView(r: ActivityRecord): TimelineActivityView {
  return {
    id: r.id,
    type: r.type,
    source: r.source,
    occurredAt: r.occurredAt.toISOString(),
    receivedAt: r.receivedAt.toISOString(),
    outcome: r.outcome,
    status: r.status ?? null,
    email: r.email,
    phone: r.phone,
    fields: r.fields,
    details: r.details ?? {},
    warnings: r.warnings,
  };
}

export interface ContactQuery {
  /** Exact look-ups, normalized like the worker does; they do not combine with the list's filters. */
  email?: string;
  phone?: string;
  q?: string;
  status?: string;
  capturedFrom?: Date;
  capturedTo?: Date;
  sort?: ContactSort;
  limit: number;
  cursor?: string;
}

export interface TimelineQuery {
  type?: string;
  limit: number;
  cursor?: string;
}

export interface ContactsServiceDeps {
  repos: Pick<Repositories, 'contacts' | 'activities' | 'pageViews' | 'accounts'>;
  /** The account for look-ups (a short-lived cache is fine); edits read it afresh. */
  findAccount(id: string): Promise<Account | null>;
  identityPolicy(account: Account): IdentityPolicy;
  mergeOptions(account: Account): MergeOptions;
}

// Cursor payloads: `s` the sort the page was listed by, `v` the last contact's sort value, `i` its id.
const idCursor = z.object({ s: z.literal('id'), i: z.string().min(1).max(200) }).strict();
const sortCursor = z
  .object({
    s: z.enum(['lastActivityAt', 'firstSeenAt', 'name']),
    v: z.union([z.number().int().min(-8.64e15).max(8.64e15), z.string().max(1000)]),
    i: z.string().min(1).max(200),
  })
  .strict()
  .refine((c) => (c.s === 'name') === (typeof c.v === 'string'), 'sort value of the wrong kind');
const timelineCursor = z.object({ t: z.number().int().min(-8.64e15).max(8.64e15), i: z.string().min(1).max(200) }).strict();

const LOOKUP_ONLY = ['q', 'status', 'capturedFrom', 'capturedTo', 'sort'] as const;

export function createContactsService(deps: ContactsServiceDeps) {
  const { repos } = deps;

  async function accountOf(id: string): Promise<Account | null> {
    return deps.findAccount(id);
  }

  async function policyOf(account: string): Promise<IdentityPolicy | null> {
    const a = await accountOf(account);
    return a ? deps.identityPolicy(a) : null;
  }

  /** `?email=` / `?phone=`: the holders of one identifier, in id order. */
  async function lookUp(account: string, q: ContactQuery): Promise<Page<ContactView>> {
    const combined = LOOKUP_ONLY.filter((k) => q[k] !== undefined);
    if (combined.length > 0) {
      throw new ValidationError('email and phone are exact look-ups: they do not combine with the list’s search, filters or sort', combined.map((k) => ({ path: k, message: 'not with email or phone' })));
    }
    const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor, idCursor).i;
    const policy = await policyOf(account);
    let email: string | undefined;
    let phone: string | undefined;
    if (q.email !== undefined) {
      email = (policy && normalizeEmail(q.email, policy).email) ?? undefined;
      if (!email) return { data: [], nextCursor: null };
    }
    if (q.phone !== undefined) {
      phone = (policy && normalizePhone(q.phone, null, policy).phone) ?? undefined;
      if (!phone) return { data: [], nextCursor: null };
    }
    const page = await repos.contacts.list(account, { email, phone, limit: q.limit, cursor: after });
    return { data: page.data.map(toContactView), nextCursor: page.nextCursor === null ? null : encodeCursor({ s: 'id', i: page.nextCursor }) };
  }

  return {
    /** PATCH /v1/contacts/{id}: see contact-edit.service.ts. */
    edit: createContactEdit({ repos, identityPolicy: deps.identityPolicy, mergeOptions: deps.mergeOptions }),

    async get(account: string, id: string): Promise<ContactRecord> {
      const c = await repos.contacts.findById(account, id);
      if (!c) throw new NotFoundError('contact');
      return c;
    },

    /**
     * The contact list: `q` (prefix of email, phone digits, first or last name, any case), `status`,
     * firstSeenAt in [capturedFrom, capturedTo), sorted by lastActivityAt (default) or firstSeenAt,
     * newest first, or by name; keyset-paged with an opaque cursor. `email`/`phone` are exact look-ups.
     */
    async list(account: string, q: ContactQuery): Promise<Page<ContactView>> {
      if (q.email !== undefined || q.phone !== undefined) return lookUp(account, q);
      const sort = q.sort ?? 'lastActivityAt';
      let after: ContactPosition | undefined;
      if (q.cursor !== undefined) {
        const c = decodeCursor(q.cursor, sortCursor);
        if (c.s !== sort) throw new ValidationError('Invalid cursor', [{ path: 'cursor', message: `listed by ${c.s}, not by ${sort}` }]);
        after = { value: c.v, id: c.i };
      }
      if (q.capturedFrom && q.capturedTo && q.capturedFrom.getTime() > q.capturedTo.getTime()) {
        throw new ValidationError('capturedFrom is after capturedTo', [{ path: 'capturedFrom', message: 'must not be after capturedTo' }]);
      }
      const prefixes = q.q === undefined ? undefined : searchPrefixes(q.q);
      if (prefixes !== undefined && prefixes.length === 0) return { data: [], nextCursor: null };
      // A status filter names a key; "Qualified" finds `qualified` as an activity's status would.
      const status = q.status === undefined ? undefined : (matchStatus(q.status, (await accountOf(account))?.statuses) ?? q.status);
      const page = await repos.contacts.search(account, {
        ...(prefixes ? { prefixes } : {}),
        ...(status !== undefined ? { status } : {}),
        ...(q.capturedFrom ? { capturedFrom: q.capturedFrom } : {}),
        ...(q.capturedTo ? { capturedTo: q.capturedTo } : {}),
        ...(after ? { after } : {}),
        sort,
        limit: q.limit,
      });
      return {
        data: page.data.map(toContactView),
        nextCursor: page.next === null ? null : encodeCursor({ s: sort, v: page.next.value, i: page.next.id }),
      };
    },

    /** The contact's whole history, newest first by event time, operator edits included. */
    async timeline(account: string, id: string, q: TimelineQuery): Promise<Page<TimelineActivityView>> {
      if (!(await repos.contacts.findById(account, id))) throw new NotFoundError('contact');
      const before = q.cursor === undefined ? undefined : decodeCursor(q.cursor, timelineCursor);
      const rows = await repos.activities.listTimeline(account, id, {
        ...(q.type !== undefined ? { type: q.type } : {}),
        ...(before ? { before: { occurredAt: new Date(before.t), id: before.i } } : {}),
        limit: q.limit + 1,
      });
      const page = rows.slice(0, q.limit);
      const last = page[page.length - 1];
      return {
        data: page.map(toTimelineView),
        nextCursor: rows.length > q.limit && last ? encodeCursor({ t: last.occurredAt.getTime(), i: last.id }) : null,
      };
    },

    /**
     * Identity rule 8: the contact goes, its history stays without a contact (activities and page
     * views get contactId null), and its identifiers are free: a later activity with the same email
     * creates a new contact. Recorded activities are final, so replaying one changes nothing.
     * The contact is deleted first: an interrupted delete leaves history pointing at no contact,
     * never a contact without its history.
     */
    async delete(account: string, id: string): Promise<void> {
      const current = await repos.contacts.findById(account, id);
      if (!current || !(await repos.contacts.delete(account, id))) throw new NotFoundError('contact');
      await repos.activities.detachContact(account, id);
      await repos.pageViews.detachContact(account, id, current.visitorIds);
    },
  };
}

export type ContactsService = ReturnType<typeof createContactsService>;
