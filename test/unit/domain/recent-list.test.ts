import fc from 'fast-check';
import { recentListProperties } from '../../support/recent-list-properties';
import { insertRecent } from '../../../src/domain/recent-list';
import type { RecentActivity } from '../../../src/domain/types';

const r = (activityId: string, occurredAt: string): RecentActivity => ({
  activityId,
  type: 'meeting_booked',
  source: 'calendly',
  occurredAt: new Date(occurredAt),
});

const ids = (list: RecentActivity[]): string[] => list.map((x) => x.activityId);

describe('insertRecent', () => {
  it('inserts newest first by event time, not arrival', () => {
    let list: RecentActivity[] = [];
    list = insertRecent(list, r('b', '2024-01-02T00:00:00Z'), 10);
    list = insertRecent(list, r('a', '2024-01-03T00:00:00Z'), 10);
    list = insertRecent(list, r('c', '2024-01-01T00:00:00Z'), 10);
    expect(ids(list)).toEqual(['a', 'b', 'c']);
  });

  it('breaks equal times by the greater activityId first', () => {
    const t = '2024-01-01T00:00:00Z';
    expect(ids(insertRecent([r('a', t), r('c', t)], r('b', t), 10))).toEqual(['c', 'b', 'a']);
  });

  it('caps at the limit, dropping the oldest', () => {
    const list = [r('a', '2024-01-03T00:00:00Z'), r('b', '2024-01-02T00:00:00Z')];
    expect(ids(insertRecent(list, r('c', '2024-01-01T00:00:00Z'), 2))).toEqual(['a', 'b']);
    expect(ids(insertRecent(list, r('d', '2024-01-04T00:00:00Z'), 2))).toEqual(['d', 'a']);
  });

  it('a replay is a no-op', () => {
    const list = [r('a', '2024-01-03T00:00:00Z'), r('b', '2024-01-02T00:00:00Z')];
    expect(insertRecent(list, r('b', '2024-01-02T00:00:00Z'), 5)).toEqual(list);
  });

  it('returns a new array and leaves the input alone', () => {
    const list = [r('a', '2024-01-03T00:00:00Z')];
    const copy = [...list];
    const out = insertRecent(list, r('b', '2024-01-04T00:00:00Z'), 5);
    expect(out).not.toBe(list);
    expect(list).toEqual(copy);
  });

  it('limit 0 (or negative) keeps nothing', () => {
    expect(insertRecent([], r('a', '2024-01-01T00:00:00Z'), 0)).toEqual([]);
    expect(insertRecent([], r('a', '2024-01-01T00:00:00Z'), -3)).toEqual([]);
  });

  describe('properties', () => {
    const itemArb = fc.record({
      activityId: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'),
      type: fc.constant('t'),
      source: fc.constant('s'),
      // A narrow range so that equal times are common.
      occurredAt: fc.integer({ min: 0, max: 5 }).map((n) => new Date(Date.UTC(2024, 0, 1 + n))),
    });
    recentListProperties({ itemArb, idOf: (x) => x.activityId, timeOf: (x) => x.occurredAt, insert: insertRecent });
  });
});
