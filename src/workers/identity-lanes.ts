import type { ActivityJobData } from '../jobs/activities.queue';
import { nextSliceOfTurn } from './turn-budget';

/** The most lanes of one intake job that run at once. */
export const MAX_LANES = 8;
/**
 * Activities in flight per process that lanes aim for: WORKER_CONCURRENCY intake jobs at a time,
 * each with lanesPerJob() lanes. A bound, not a tuning knob: each activity in flight holds its job
 * data and use-case state in memory and, with MongoDB, one operation on the driver's pool (100
 * connections by default; the rest wait in its queue). It was 64 while the in-memory store yielded
 * to the event loop on every call (concurrency 50 with 8 lanes and with 1 measured the same). With
 * the store answering on the microtask queue, more lanes per job drain faster: in alternating
 * rounds, concurrency 50 with 4 lanes beat 1 lane in 8 of 9 rounds (by 8–27 %) and 8 lanes at
 * concurrency 10 beat 6 in 4 of 4 (bench/README.md, "Tenth session").
 */
export const IN_FLIGHT_TARGET = 200;

/** Lanes per intake job for a fan-out running `concurrency` jobs at once: 8 up to 25, 6 at 33, 4 at 50, 2 at 100, 1 from 101. */
export function lanesPerJob(concurrency: number): number {
  return Math.max(1, Math.min(MAX_LANES, Math.floor(IN_FLIGHT_TARGET / Math.max(1, concurrency))));
}

/**
 * Splits one intake job's items into lanes for inline processing: items that name the same email,
 * phone or visitor id share a lane and keep their job order; different lanes run concurrently.
 *
 * Why: run one after another, an intake job's last activity waited for every store round trip of
 * the ones before it (≈ 7 per activity), which was most of the latency tail under load
 * (bench/README.md, "Ninth session"). Lanes are only a hint against needless races: the use case is
 * correct in any order and under any concurrency (docs/exactly-once.md; every merge commutes,
 * docs/identity.md), so two items of one person in different lanes (an email in one, a differently
 * written one in the other) cost at most a retried write, never a wrong contact.
 *
 * Keys are the values as sent (trimmed, lower-cased), not normalized: normalizing is the use case's
 * job. Items without a key the lanes can read (provider webhooks, whose identifiers sit in the
 * provider's own shape) share one lane, in order, as all items did before lanes.
 */
export function identityLanes(items: readonly ActivityJobData[]): number[][] {
  const lanes: number[][] = [];
  const laneOfKey = new Map<string, number>();
  let unkeyed = -1;
  for (let i = 0; i < items.length; i++) {
    const keys = identityKeys(items[i]!);
    let lane = -1;
    for (const k of keys) {
      const l = laneOfKey.get(k);
      if (l !== undefined) {
        lane = l;
        break;
      }
    }
    if (lane < 0 && keys.length === 0) {
      if (unkeyed < 0) unkeyed = lanes.push([]) - 1;
      lane = unkeyed;
    }
    if (lane < 0) lane = lanes.push([]) - 1;
    lanes[lane]!.push(i);
    for (const k of keys) if (!laneOfKey.has(k)) laneOfKey.set(k, lane);
  }
  return lanes;
}

/** The identifiers an activity or page-view item names at the top of its payload, tagged by kind and account. */
function identityKeys(item: ActivityJobData): string[] {
  if (item.kind === 'webhook') return [];
  const payload = item.payload;
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return [];
  const p = payload as Record<string, unknown>;
  const keys: string[] = [];
  for (const field of ['email', 'phone', 'visitorId'] as const) {
    const v = p[field];
    if (typeof v === 'string' && v.trim() !== '') keys.push(`${item.account}\u0000${field}\u0000${v.trim().toLowerCase()}`);
  }
  return keys;
}

/**
 * Runs every lane, its items one after another, with at most `limit` lanes at a time. `run` must
 * not reject: each item settles its own outcome (processed or handed off). Before each item a lane
 * waits for the next event-loop turn if this one's budget is spent (turn-budget.ts): on a store
 * that answers without I/O nothing else would.
 */
export async function runLanes(lanes: readonly (readonly number[])[], limit: number, run: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const drive = async () => {
    while (next < lanes.length) {
      const lane = lanes[next++]!;
      for (const i of lane) {
        await nextSliceOfTurn();
        await run(i);
      }
    }
  };
  const drivers: Promise<void>[] = [];
  for (let d = 0; d < Math.min(limit, lanes.length); d++) drivers.push(drive());
  await Promise.all(drivers);
}
