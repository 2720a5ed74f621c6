import { setTimeout as sleep } from 'node:timers/promises';

export interface WorkItem {
  key: string;
  body: { type: string; occurredAt: string; email: string; phone?: string; fields: Record<string, string | number> };
}

/**
 * `count` activities spread over `emails` people, in shuffled order, with `duplicates` extra
 * deliveries of already-sent idempotency keys mixed in. Each activity of person p carries
 * `seq` = its own event minute, so the expected final field is the largest seq, whatever the order.
 */
export function makeWorkload({ count, emails, duplicates, seed = 7 }: { count: number; emails: number; duplicates: number; seed?: number }) {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const items: WorkItem[] = [];
  for (let i = 0; i < count; i++) {
    const person = i % emails;
    const minute = Math.floor(i / emails);
    items.push({
      key: `evt-${i}`,
      body: {
        type: 'form.submitted',
        occurredAt: new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString(),
        // Mixed case and spaces on purpose: every variant must land on one contact.
        email: minute % 2 ? ` Person${person}@Example.com` : `person${person}@example.com`,
        ...(person % 3 === 0 ? { phone: `+1 415 555 ${String(1000 + person).slice(-4)}` } : {}),
        fields: { seq: minute, [`from${minute % 3}`]: `m${minute}` },
      },
    });
  }
  for (let d = 0; d < duplicates; d++) items.push(items[Math.floor(rand() * count)]!);
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  const perPerson = Math.ceil(count / emails);
  return { items, distinctKeys: count, emails, expectedSeq: (person: number) => Math.max(...range(perPerson).filter((m) => m * emails + person < count)) };
}

function range(n: number) {
  return Array.from({ length: n }, (_, i) => i);
}

/** Runs `fn` over items with at most `concurrency` in flight. */
export async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

/** POSTs an activity, retrying 503s (backpressure or Redis away) as a well-behaved client would. */
export async function postActivity(baseUrl: string, apiKey: string, item: WorkItem): Promise<{ id: string; status: string }> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(`${baseUrl}/v1/activities`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', 'idempotency-key': item.key },
      body: JSON.stringify(item.body),
    });
    if (res.status === 202) return res.json();
    if (res.status !== 503 || attempt > 50) throw new Error(`POST /v1/activities answered ${res.status}: ${await res.text()}`);
    await sleep(100);
  }
}
