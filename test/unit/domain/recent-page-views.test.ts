import fc from 'fast-check';
import { recentListProperties } from '../../support/recent-list-properties';
import { sameContactState } from '../../../src/domain/contact-merge';
import { insertRecentPageView } from '../../../src/domain/recent-list';
import type { ContactState, RecentPageView } from '../../../src/domain/types';

const v = (pageViewId: string, viewedAt: string, url = `https://example.com/${pageViewId}`): RecentPageView => ({
  pageViewId,
  url,
  title: null,
  viewedAt: new Date(viewedAt),
});

const ids = (list: RecentPageView[]): string[] => list.map((x) => x.pageViewId);

describe('insertRecentPageView', () => {
  it('inserts newest first by viewedAt, not arrival', () => {
    let list: RecentPageView[] = [];
    list = insertRecentPageView(list, v('b', '2024-01-02T00:00:00Z'), 10);
    list = insertRecentPageView(list, v('a', '2024-01-03T00:00:00Z'), 10);
    list = insertRecentPageView(list, v('c', '2024-01-01T00:00:00Z'), 10);
    expect(ids(list)).toEqual(['a', 'b', 'c']);
  });

  it('breaks equal times by the greater pageViewId first', () => {
    const t = '2024-01-01T00:00:00Z';
    expect(ids(insertRecentPageView([v('a', t), v('c', t)], v('b', t), 10))).toEqual(['c', 'b', 'a']);
  });

  it('caps at the limit, dropping the oldest; limit 0 or negative keeps nothing', () => {
    const list = [v('a', '2024-01-03T00:00:00Z'), v('b', '2024-01-02T00:00:00Z')];
    expect(ids(insertRecentPageView(list, v('c', '2024-01-01T00:00:00Z'), 2))).toEqual(['a', 'b']);
    expect(ids(insertRecentPageView(list, v('d', '2024-01-04T00:00:00Z'), 2))).toEqual(['d', 'a']);
    expect(insertRecentPageView([], v('a', '2024-01-01T00:00:00Z'), 0)).toEqual([]);
    expect(insertRecentPageView([], v('a', '2024-01-01T00:00:00Z'), -1)).toEqual([]);
  });

  it('a replayed (or re-stitched) view is a no-op, and the input is left alone', () => {
    const list = [v('a', '2024-01-03T00:00:00Z'), v('b', '2024-01-02T00:00:00Z')];
    const before = structuredClone(list);
    expect(insertRecentPageView(list, v('b', '2024-01-02T00:00:00Z'), 5)).toEqual(list);
    expect(list).toEqual(before);
  });

  describe('properties', () => {
    const itemArb = fc
      .record({
        pageViewId: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'),
        // A narrow range so that equal times are common.
        day: fc.integer({ min: 0, max: 5 }),
      })
      .map(({ pageViewId, day }) => v(pageViewId, new Date(Date.UTC(2024, 0, 1 + day)).toISOString()));
    recentListProperties({ itemArb, idOf: (x) => x.pageViewId, timeOf: (x) => x.viewedAt, insert: insertRecentPageView });
  });
});

describe('sameContactState with page views', () => {
  const base: ContactState = {
    email: 'ann@example.com',
    phone: null,
    fields: {},
    recentActivities: [],
    recentPageViews: [v('a', '2024-01-01T00:00:00Z')],
    visitorIds: ['v-1'],
    firstSeenAt: new Date('2024-01-01T00:00:00Z'),
    lastActivityAt: new Date('2024-01-01T00:00:00Z'),
  };

  it('tells a changed page-view list apart', () => {
    expect(sameContactState(base, structuredClone(base))).toBe(true);
    expect(sameContactState(base, { ...base, recentPageViews: [] })).toBe(false);
    expect(sameContactState(base, { ...base, recentPageViews: [v('a', '2024-01-01T00:00:00Z', 'https://example.com/other')] })).toBe(false);
    expect(sameContactState(base, { ...base, recentPageViews: [{ ...v('a', '2024-01-01T00:00:00Z'), title: 'Home' }] })).toBe(false);
  });
});
