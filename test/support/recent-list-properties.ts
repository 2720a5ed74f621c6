import fc from 'fast-check';

/**
 * The properties every bounded "recent" list must keep (both go through insertTopN): capped,
 * newest first, no duplicate id, and the same list whatever the insertion order, idempotently.
 */
export function recentListProperties<T>(opts: {
  itemArb: fc.Arbitrary<T>;
  idOf(item: T): string;
  timeOf(item: T): Date;
  insert(list: T[], item: T, limit: number): T[];
}): void {
  const { itemArb, idOf, timeOf, insert } = opts;
  // One id always means one item.
  const consistent = (items: T[]): T[] => {
    const first = new Map<string, T>();
    for (const i of items) if (!first.has(idOf(i))) first.set(idOf(i), i);
    return items.map((i) => first.get(idOf(i))!);
  };

  it('never exceeds the cap, stays sorted newest first, never holds duplicates', () => {
    fc.assert(
      fc.property(fc.array(itemArb, { maxLength: 30 }), fc.integer({ min: 0, max: 6 }), (items, limit) => {
        let list: T[] = [];
        for (const item of items) {
          list = insert(list, item, limit);
          expect(list.length).toBeLessThanOrEqual(limit);
          expect(new Set(list.map(idOf)).size).toBe(list.length);
          for (let i = 1; i < list.length; i++) {
            expect(timeOf(list[i - 1]!).getTime()).toBeGreaterThanOrEqual(timeOf(list[i]!).getTime());
          }
        }
      }),
    );
  });

  it('gives the same list for any insertion order, and is idempotent', () => {
    fc.assert(
      fc.property(
        fc
          .array(itemArb, { maxLength: 20 })
          .map(consistent)
          .chain((items) => fc.tuple(fc.constant(items), fc.shuffledSubarray(items, { minLength: items.length, maxLength: items.length }))),
        fc.integer({ min: 0, max: 6 }),
        ([items, shuffled], limit) => {
          const build = (xs: T[]) => xs.reduce<T[]>((l, x) => insert(l, x, limit), []);
          const once = build(items);
          expect(build(shuffled)).toEqual(once);
          expect(build([...items, ...items])).toEqual(once);
        },
      ),
    );
  });
}
