import fc from 'fast-check';
import type { ActivityJobData } from '../../../src/jobs/activities.queue';
import { identityLanes, lanesPerJob, runLanes } from '../../../src/workers/identity-lanes';

const item = (kind: ActivityJobData['kind'], payload: unknown, account = 'acme'): ActivityJobData =>
  (kind === 'webhook'
    ? { kind, provider: 'scheduling', account, activityId: `a${Math.random()}`, receivedAt: '2026-01-01T00:00:00.000Z', payload }
    : { kind, account, activityId: `a${Math.random()}`, receivedAt: '2026-01-01T00:00:00.000Z', payload }) as ActivityJobData;

describe('identityLanes', () => {
  it('puts items naming the same email, phone or visitor id in one lane, in job order', () => {
    const lanes = identityLanes([
      item('activity', { email: 'Ada@Example.com ' }),
      item('activity', { email: 'bob@example.com' }),
      item('activity', { email: 'ada@example.com', phone: '+1 415 555 0100' }),
      item('activity', { phone: '+1 415 555 0100' }),
      item('page-view', { visitorId: 'v1' }),
      item('activity', { email: 'carol@example.com', visitorId: 'v1' }),
    ]);
    expect(lanes).toEqual([[0, 2, 3], [1], [4, 5]]);
  });

  it('keeps accounts apart: the same email in two accounts is two people', () => {
    expect(identityLanes([item('activity', { email: 'a@x.io' }, 'acme'), item('activity', { email: 'a@x.io' }, 'globex')])).toEqual([[0], [1]]);
  });

  it('runs items it cannot read (provider webhooks, payloads without identifiers) in one shared lane, in order', () => {
    const lanes = identityLanes([
      item('webhook', { invitee: { email: 'a@x.io' } }),
      item('activity', { email: 'a@x.io' }),
      item('activity', { type: 'note' }),
      item('activity', 'not an object'),
      item('webhook', { invitee: { email: 'b@x.io' } }),
    ]);
    expect(lanes).toEqual([[0, 2, 3, 4], [1]]);
  });

  it('places every item exactly once and keeps job order within each lane (property)', () => {
    const keys = fc.constantFrom('a@x.io', 'b@x.io', 'c@x.io', undefined);
    const arbItem = fc.record({ kind: fc.constantFrom('activity', 'page-view', 'webhook') as fc.Arbitrary<ActivityJobData['kind']>, email: keys, phone: fc.constantFrom('+1', '+2', undefined), visitorId: fc.constantFrom('v1', 'v2', undefined) });
    fc.assert(
      fc.property(fc.array(arbItem, { maxLength: 40 }), (specs) => {
        const items = specs.map((s) => item(s.kind, { email: s.email, phone: s.phone, visitorId: s.visitorId }));
        const lanes = identityLanes(items);
        const all = lanes.flat().sort((a, b) => a - b);
        expect(all).toEqual(items.map((_, i) => i));
        for (const lane of lanes) expect([...lane].sort((a, b) => a - b)).toEqual(lane);
        // Two activity items with the same email (the first key read) always share a lane.
        const laneOf = new Map(lanes.flatMap((lane, l) => lane.map((i) => [i, l] as const)));
        specs.forEach((a, i) =>
          specs.forEach((b, j) => {
            if (a.kind !== 'webhook' && b.kind !== 'webhook' && a.email && a.email === b.email && !a.phone && !a.visitorId && !b.phone && !b.visitorId) expect(laneOf.get(i)).toBe(laneOf.get(j));
          }),
        );
      }),
    );
  });
});

describe('runLanes', () => {
  it('runs a lane one item after another and at most `limit` lanes at once', async () => {
    const log: string[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const lanes = [[0, 1, 2], [3], [4, 5], [6], [7]];
    await runLanes(lanes, 2, async (i) => {
      log.push(`start ${i}`);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 1 + (i % 3)));
      inFlight--;
      log.push(`end ${i}`);
    });
    expect(maxInFlight).toBe(2);
    expect(log.filter((e) => e.startsWith('end')).sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((i) => `end ${i}`));
    // Within a lane, an item starts only after the one before it ended.
    for (const lane of lanes) for (let k = 1; k < lane.length; k++) expect(log.indexOf(`end ${lane[k - 1]}`)).toBeLessThan(log.indexOf(`start ${lane[k]}`));
  });

  it('runs items of different lanes concurrently', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    await runLanes([[0], [1], [2], [3]], 8, async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setImmediate(r));
      inFlight--;
    });
    expect(maxInFlight).toBe(4);
  });

  it('does nothing for no lanes', async () => {
    const run = jest.fn(async () => {});
    await runLanes([], 4, run);
    expect(run).not.toHaveBeenCalled();
  });
});

describe('lanesPerJob', () => {
  it('keeps about 200 activities in flight per process, at least one lane and at most 8 per job', () => {
    expect([1, 10, 20, 25, 26, 33, 50, 100, 101, 500].map(lanesPerJob)).toEqual([8, 8, 8, 8, 7, 6, 4, 2, 1, 1]);
  });
});
