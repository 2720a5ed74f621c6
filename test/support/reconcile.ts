import type { ActivitiesQueue } from '../../src/jobs/activities.queue';
import type { Repositories } from '../../src/repositories';
import { pool } from './workload';

/**
 * Reconciliation of a run: every activity id answered 202 is accounted for exactly once, as
 * processed, unidentified, suppressed or failed-and-visible, and nothing is stored twice.
 *
 *   accepted = processed + unidentified + suppressed + failedVisible   (unaccounted = 0)
 *
 * The status of each id comes from the public API (GET /v1/activities/:id); a failed one counts only
 * when GET /v1/activities?outcome=failed also lists it (visible to the client), an unidentified one
 * only when ?outcome=unidentified lists it. The queue, when given, says how many are still waiting
 * (a reconciliation before the queue drained is not one). Duplicates: with the store, records beyond
 * one per accepted id, records nobody was told 202 about, and activity ids repeated in contacts'
 * recent lists; without it, the same through the API (every contact's timeline).
 */
export interface Reconciliation {
  accepted: number;
  processed: number;
  unidentified: number;
  suppressed: number;
  failedVisible: number;
  /** Accepted ids that are none of the above (still queued, failed but not listed, unknown): their statuses. */
  unaccounted: Record<string, number>;
  unaccountedIds: string[];
  /** Accepted ids whose job still waits, runs or is delayed in Redis. */
  stillQueued: number;
  /** An activity recorded (or shown on contacts) more than once. */
  duplicates: number;
  /** Activities recorded that no 202 announced (should be none when clients resend until 202). */
  unannounced: number;
  line: string;
}

export interface ReconcileOptions {
  baseUrl: string;
  apiKey: string;
  accepted: Iterable<string>;
  label?: string;
  queue?: ActivitiesQueue;
  /** The store, when the test holds it (shared-store harness): exact record and recent-list counts. */
  store?: { repos: Repositories; account: string };
  /** Without a store: walk every contact's timeline through the API to find activities shown twice. */
  walkContacts?: boolean;
}

async function getJson(url: string, apiKey: string): Promise<{ status: number; body: any }> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(url, { headers: { authorization: `Bearer ${apiKey}` } });
    // Rate limit or a transient 503 is not the answer: ask again.
    if ((res.status === 429 || res.status === 503) && attempt < 50) {
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    return { status: res.status, body: await res.json().catch(() => null) };
  }
}

async function listAll(baseUrl: string, apiKey: string, path: string): Promise<any[]> {
  const out: any[] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const { status, body } = await getJson(`${baseUrl}${path}${sep}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, apiKey);
    if (status !== 200) throw new Error(`GET ${path} answered ${status}: ${JSON.stringify(body)}`);
    out.push(...body.data);
    cursor = body.nextCursor;
  } while (cursor);
  return out;
}

export async function reconcile(opts: ReconcileOptions): Promise<Reconciliation> {
  const accepted = [...new Set(opts.accepted)];
  const acceptedSet = new Set(accepted);
  const [failedListed, unidentifiedListed] = await Promise.all([
    listAll(opts.baseUrl, opts.apiKey, '/v1/activities?outcome=failed').then((d) => new Set(d.map((x) => x.id as string))),
    listAll(opts.baseUrl, opts.apiKey, '/v1/activities?outcome=unidentified').then((d) => new Set(d.map((x) => x.id as string))),
  ]);

  const counts = { processed: 0, unidentified: 0, suppressed: 0, failedVisible: 0 };
  const unaccounted: Record<string, number> = {};
  const unaccountedIds: string[] = [];
  const miss = (id: string, why: string) => {
    unaccounted[why] = (unaccounted[why] ?? 0) + 1;
    unaccountedIds.push(id);
  };
  await pool(accepted, 16, async (id) => {
    const { status, body } = await getJson(`${opts.baseUrl}/v1/activities/${id}`, opts.apiKey);
    if (status !== 200) return miss(id, `http ${status}`);
    switch (body.status) {
      case 'processed':
      case 'suppressed':
        counts[body.status as 'processed' | 'suppressed']++;
        return;
      case 'unidentified':
        return unidentifiedListed.has(id) ? void counts.unidentified++ : miss(id, 'unidentified but not listed');
      case 'failed':
        return failedListed.has(id) ? void counts.failedVisible++ : miss(id, 'failed but not listed');
      default:
        return miss(id, String(body.status));
    }
  });

  let stillQueued = 0;
  if (opts.queue) {
    const states = await Promise.all(accepted.map(async (id) => (await opts.queue!.getJob(id))?.getState()));
    stillQueued = states.filter((s) => s === 'waiting' || s === 'active' || s === 'delayed' || s === 'prioritized' || s === 'waiting-children').length;
  }

  let duplicates = 0;
  let unannounced = 0;
  const shown = new Map<string, number>();
  if (opts.store) {
    const { repos, account } = opts.store;
    const recorded = await repos.activities.count(account);
    const settled = counts.processed + counts.unidentified + counts.suppressed;
    // Every record is an accepted id's (else unannounced); more records than settled ids = a twin.
    const pending = await repos.activities.count(account, { outcome: 'pending' });
    duplicates += Math.max(0, recorded - pending - settled);
    let cursor: string | undefined;
    do {
      const page = await repos.contacts.list(account, { limit: 200, cursor });
      for (const c of page.data) for (const a of c.recentActivities) shown.set(a.activityId, (shown.get(a.activityId) ?? 0) + 1);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  } else if (opts.walkContacts) {
    const contacts = await listAll(opts.baseUrl, opts.apiKey, '/v1/contacts');
    await pool(contacts, 8, async (c) => {
      for (const a of await listAll(opts.baseUrl, opts.apiKey, `/v1/contacts/${c.id}/activities`)) shown.set(a.id, (shown.get(a.id) ?? 0) + 1);
    });
  }
  for (const [id, n] of shown) {
    if (n > 1) duplicates += n - 1;
    if (!acceptedSet.has(id)) unannounced++;
  }

  const r = { accepted: accepted.length, ...counts, unaccounted, unaccountedIds, stillQueued, duplicates, unannounced };
  const line =
    `reconcile${opts.label ? ` [${opts.label}]` : ''}: accepted=${r.accepted} = processed=${r.processed} + unidentified=${r.unidentified}` +
    ` + suppressed=${r.suppressed} + failed-visible=${r.failedVisible}` +
    ` | unaccounted=${unaccountedIds.length}${unaccountedIds.length ? ` ${JSON.stringify(unaccounted)}` : ''} still-queued=${stillQueued}` +
    ` duplicates=${duplicates} unannounced=${unannounced}`;
  process.stdout.write(`${line}\n`);
  return { ...r, line };
}

/** The equation, for tests: `expect(balanced(r)).toEqual({...})` shows every figure when it fails. */
export function balanced(r: Reconciliation) {
  return {
    equation: r.processed + r.unidentified + r.suppressed + r.failedVisible === r.accepted,
    unaccounted: r.unaccountedIds.length,
    stillQueued: r.stillQueued,
    duplicates: r.duplicates,
    unannounced: r.unannounced,
  };
}
export const BALANCED = { equation: true, unaccounted: 0, stillQueued: 0, duplicates: 0, unannounced: 0 };
