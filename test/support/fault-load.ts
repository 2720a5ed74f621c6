import { setTimeout as sleep } from 'node:timers/promises';
import { signatureHeaderValue } from '../../src/services/webhook-signature';

/**
 * The load of the fault suites and the soak: activities over a set of people, mixed with the three
 * other ways an accepted activity ends (unidentified, suppressed, failed), so a reconciliation
 * (test/support/reconcile.ts) has every term of its equation to count.
 *
 *   identified   POST /v1/activities for person p (email in varying case/spacing, a phone for every
 *                third person), `seq` = the event minute: the final field is the largest seq
 *   unidentified an activity whose only identifier is junk ("n/a")
 *   suppressed   an activity for an erased and suppressed person (see `suppressPerson`)
 *   failing      a signed `scheduling` webhook its mapper cannot read: fails at once, visibly
 */
export type LoadKind = 'identified' | 'unidentified' | 'suppressed' | 'failing';

export interface LoadItem {
  kind: LoadKind;
  key: string;
  person: number | null;
  seq: number;
  path: string;
  headers: Record<string, string>;
  body: string;
}

export const SUPPRESSED_EMAIL = 'erased.person@example.org';
export const SUPPRESSED_PHONE = '+1 415 555 0199';

export function personEmail(p: number, variant = 0): string {
  return variant % 2 ? ` Person${p}.Load@Example.com ` : `person${p}.load@example.com`;
}
export function personPhone(p: number): string | null {
  return p % 3 === 0 ? `(415) 555-${String(2000 + p).slice(-4)}` : null;
}
/** The E.164 form the worker stores (US default country). */
export function personPhoneE164(p: number): string | null {
  return p % 3 === 0 ? `+1415555${String(2000 + p).slice(-4)}` : null;
}

export function loadItem(i: number, opts: { persons: number; apiKey: string; webhookSecret: string; account?: string; namespace?: string }): LoadItem {
  const ns = opts.namespace ?? 'load';
  const key = `${ns}-${i}`;
  const minute = Math.floor(i / opts.persons);
  const occurredAt = new Date(Date.UTC(2026, 0, 1, 0, 0) + minute * 60_000).toISOString();
  const json = { authorization: `Bearer ${opts.apiKey}`, 'content-type': 'application/json', 'idempotency-key': key };
  if (i % 31 === 7) {
    const body = JSON.stringify({ id: key, triggerEvent: 'BOOKING_CREATED', createdAt: 'not a time' });
    const t = Math.floor(Date.now() / 1000);
    return {
      kind: 'failing',
      key,
      person: null,
      seq: minute,
      path: `/v1/webhooks/scheduling?account=${opts.account ?? 'default'}`,
      headers: { 'content-type': 'application/json', 'contactflow-signature': signatureHeaderValue(opts.webhookSecret, t, body) },
      body,
    };
  }
  if (i % 23 === 5) {
    return { kind: 'unidentified', key, person: null, seq: minute, path: '/v1/activities', headers: json, body: JSON.stringify({ type: 'chat.completed', occurredAt, email: 'n/a', source: 'chat' }) };
  }
  if (i % 29 === 3) {
    const body = { type: 'form.submitted', occurredAt, email: SUPPRESSED_EMAIL, phone: SUPPRESSED_PHONE, fields: { seq: minute } };
    return { kind: 'suppressed', key, person: null, seq: minute, path: '/v1/activities', headers: json, body: JSON.stringify(body) };
  }
  const person = i % opts.persons;
  const phone = personPhone(person);
  const body = { type: 'form.submitted', occurredAt, email: personEmail(person, minute), ...(phone ? { phone } : {}), fields: { seq: minute, [`from${minute % 3}`]: `m${minute}` } };
  return { kind: 'identified', key, person, seq: minute, path: '/v1/activities', headers: json, body: JSON.stringify(body) };
}

export function loadItems(count: number, opts: Parameters<typeof loadItem>[1]): LoadItem[] {
  return Array.from({ length: count }, (_, i) => loadItem(i, opts));
}

/** The largest seq per person: what each contact's `seq` field must end as. */
export function expectedSeqs(items: LoadItem[]): Map<number, number> {
  const m = new Map<number, number>();
  for (const it of items) if (it.person !== null) m.set(it.person, Math.max(m.get(it.person) ?? -1, it.seq));
  return m;
}

/** Every identifier the load sends, as sent and as stored: what must never appear in logs or Redis. */
export function loadIdentifiers(persons: number): string[] {
  const out = new Set<string>([SUPPRESSED_EMAIL, SUPPRESSED_PHONE, '+14155550199']);
  for (let p = 0; p < persons; p++) {
    out.add(personEmail(p, 0));
    out.add(personEmail(p, 1).trim());
    const phone = personPhone(p);
    if (phone) {
      out.add(phone);
      out.add(personPhoneE164(p)!);
    }
  }
  return [...out];
}

/** What the clients saw. `accepted`: ids answered 202; `answers`: status code (or "network") → count. */
export class LoadRecord {
  accepted = new Set<string>();
  answers: Record<string, number> = {};
  /** Answers that are neither 202, 503 nor 429 (none expected): status and body. */
  unexpected: string[] = [];
  /** 202s received between `markDown` and `markUp` (a window where Redis was down). */
  acceptedWhileDown = 0;
  private down = false;
  markDown() {
    this.down = true;
  }
  markUp() {
    this.down = false;
  }
  count(what: string) {
    this.answers[what] = (this.answers[what] ?? 0) + 1;
  }
  onAccepted(id: string) {
    this.accepted.add(id);
    if (this.down) this.acceptedWhileDown++;
  }
}

/**
 * Sends one item as a well-behaved client: a 503, 429 (or what `retryOn` names) or a refused
 * connection is tried again after a pause (up to `maxAttempts`), anything else is final. `baseUrls`: tried in turn on each attempt
 * (an API process that is down is skipped by the next attempt). Returns the id when accepted.
 */
export async function deliver(
  baseUrls: string[] | (() => string[]),
  item: LoadItem,
  record: LoadRecord,
  { maxAttempts = 600, retryOn = [503, 429] }: { maxAttempts?: number; retryOn?: number[] } = {},
): Promise<string | null> {
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const urls = typeof baseUrls === 'function' ? baseUrls() : baseUrls;
    const base = urls[attempt % urls.length]!;
    let status: number;
    let text = '';
    try {
      const res = await fetch(base + item.path, { method: 'POST', headers: item.headers, body: item.body, signal: AbortSignal.timeout(15_000) });
      status = res.status;
      text = await res.text();
      if ((status === 503 || status === 429) && !res.headers.get('retry-after')) record.count(`${status} without Retry-After`);
    } catch {
      record.count('network');
      await sleep(100);
      continue;
    }
    record.count(String(status));
    if (status === 202) {
      const id = (JSON.parse(text) as { id: string }).id;
      record.onAccepted(id);
      return id;
    }
    if (retryOn.includes(status)) {
      await sleep(100);
      continue;
    }
    record.unexpected.push(`${status} ${item.path}: ${text.slice(0, 300)}`);
    return null;
  }
  record.unexpected.push(`gave up after ${maxAttempts} attempts: ${item.key}`);
  return null;
}

/** Creates the suppressed person's contact, then erases it with suppression (before the load). */
export async function suppressPerson(baseUrl: string, apiKey: string): Promise<void> {
  const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
  const res = await fetch(`${baseUrl}/v1/activities`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ type: 'form.submitted', occurredAt: '2025-12-31T00:00:00Z', email: SUPPRESSED_EMAIL, phone: SUPPRESSED_PHONE }),
  });
  if (res.status !== 202) throw new Error(`suppressPerson: ${res.status} ${await res.text()}`);
  const { id } = (await res.json()) as { id: string };
  let contactId: string | null = null;
  for (let i = 0; i < 300 && !contactId; i++) {
    const s = (await (await fetch(`${baseUrl}/v1/activities/${id}`, { headers })).json()) as { status: string; contactId: string | null };
    if (s.status !== 'queued') contactId = s.contactId;
    else await sleep(50);
  }
  if (!contactId) throw new Error('suppressPerson: the activity never settled');
  const erased = await fetch(`${baseUrl}/v1/contacts/${contactId}/erase`, { method: 'POST', headers, body: JSON.stringify({ suppress: true }) });
  if (erased.status !== 200) throw new Error(`erase: ${erased.status} ${await erased.text()}`);
}

/** Phase durations of a run, printed with its figures ("start 4.1 s, load 6.0 s, …"). */
export function phases() {
  let last = Date.now();
  const parts: string[] = [];
  return {
    mark(name: string) {
      const now = Date.now();
      parts.push(`${name} ${((now - last) / 1000).toFixed(1)} s`);
      last = now;
    },
    toString: () => parts.join(', '),
  };
}
