import { normalizeEmail, normalizePhone, type IdentityPolicy } from '../domain';
import type { ContactRecord, ContactRepository, Page } from '../repositories';
import { NotFoundError } from '../shared/errors';

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
}

export function toContactView(c: ContactRecord): ContactView {
  return {
    id: c.id,
    email: c.email,
    phone: c.phone,
    status: c.status,
    fields: Object.fromEntries(
      Object.entries(c.fields).map(([k, f]) => [k, { value: f.value, source: f.source, setAt: new Date(f.setAt).toISOString() }]),
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
  };
}

export interface ContactQuery {
  email?: string;
  phone?: string;
  limit: number;
  cursor?: string;
}

export function createContactsService(contacts: ContactRepository, policyFor: (account: string) => Promise<IdentityPolicy>) {
  return {
    async get(account: string, id: string): Promise<ContactView> {
      const c = await contacts.findById(account, id);
      if (!c) throw new NotFoundError('contact');
      return toContactView(c);
    },

    /** Look-ups normalize like the worker does, so `?email= Jane@X.com ` finds jane@x.com. */
    async list(account: string, q: ContactQuery): Promise<Page<ContactView>> {
      const policy = await policyFor(account);
      let email: string | undefined;
      let phone: string | undefined;
      if (q.email !== undefined) {
        email = normalizeEmail(q.email, policy).email ?? undefined;
        if (!email) return { data: [], nextCursor: null };
      }
      if (q.phone !== undefined) {
        phone = normalizePhone(q.phone, null, policy).phone ?? undefined;
        if (!phone) return { data: [], nextCursor: null };
      }
      const page = await contacts.list(account, { email, phone, limit: q.limit, cursor: q.cursor });
      return { data: page.data.map(toContactView), nextCursor: page.nextCursor };
    },
  };
}

export type ContactsService = ReturnType<typeof createContactsService>;
