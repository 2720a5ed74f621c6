import fc from 'fast-check';
import { HashIndex } from '../../../src/repositories/memory/hash-index';
import { RowSlots } from '../../../src/repositories/memory/row-slots';
import { MAX_SLOT, RowSpace } from '../../../src/repositories/memory/row-space';

/**
 * The memory store's contacts live in numbered slots: texts in the row space, numbers in typed
 * arrays (row-slots.ts). Whatever runs, a live slot reads back its last texts and numbers, a freed
 * slot comes back empty, and no released bytes are reused while a live slot still points at them.
 */
it('keeps every live slot intact through any sequence of writes, rewrites and frees', () => {
  const text = fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 100 }), fc.integer({ min: 0, max: 2 * MAX_SLOT }).map((n) => 'x'.repeat(n)));
  const step = fc.oneof(
    fc.record({ kind: fc.constant('new' as const), a: text, b: text, n: fc.double({ noNaN: true }) }),
    fc.record({ kind: fc.constant('rewrite' as const), pick: fc.nat(), t: fc.constantFrom(0, 1), text, n: fc.integer() }),
    fc.record({ kind: fc.constant('free' as const), pick: fc.nat() }),
  );
  fc.assert(
    fc.property(fc.array(step, { maxLength: 100 }), (steps) => {
      const space = new RowSpace();
      const slots = new RowSlots(space, 2, 2);
      const model = new Map<number, { texts: [string, string]; n: number }>();
      for (const s of steps) {
        const live = [...model.keys()];
        if (s.kind === 'new') {
          const slot = slots.allocate();
          expect(model.has(slot)).toBe(false);
          expect(slots.number(slot, 0)).toBe(0); // a reused slot starts empty
          expect(() => slots.text(slot, 0)).toThrow();
          slots.setText(slot, 0, s.a);
          slots.setText(slot, 1, s.b);
          slots.setNumber(slot, 1, s.n);
          model.set(slot, { texts: [s.a, s.b], n: s.n });
        } else if (live.length > 0) {
          const slot = live[s.pick % live.length]!;
          if (s.kind === 'rewrite') {
            slots.setText(slot, s.t, s.text);
            model.get(slot)!.texts[s.t] = s.text;
            slots.setNumber(slot, 1, s.n);
            model.get(slot)!.n = s.n;
          } else {
            slots.free(slot);
            model.delete(slot);
            expect(slots.isLive(slot)).toBe(false);
          }
        }
        for (const [slot, m] of model) {
          expect(slots.isLive(slot)).toBe(true);
          expect(slots.text(slot, 0)).toBe(m.texts[0]);
          expect(slots.text(slot, 1)).toBe(m.texts[1]);
          expect(slots.number(slot, 1)).toBe(m.n);
        }
        expect([...slots.liveSlots()]).toEqual([...model.keys()].sort((x, y) => x - y));
      }
    }),
    { numRuns: 200 },
  );
});

it('grows past its first capacity without losing a slot', () => {
  const slots = new RowSlots(new RowSpace(), 1, 1);
  const n = 5000;
  for (let i = 0; i < n; i++) {
    const slot = slots.allocate();
    slots.setText(slot, 0, `row ${i}`);
    slots.setNumber(slot, 0, i);
  }
  for (let i = 0; i < n; i++) {
    expect(slots.text(i, 0)).toBe(`row ${i}`);
    expect(slots.number(i, 0)).toBe(i);
  }
});

describe('HashIndex', () => {
  it('answers only slots the check accepts, each once, through collisions and removals', () => {
    const index = new HashIndex();
    const keys = new Map<number, string>([
      [1, 'a'],
      [2, 'b'],
      [3, 'a'],
    ]);
    const holds = (key: string) => (slot: number) => keys.get(slot) === key;
    for (const slot of [1, 2, 3]) index.add(42, slot); // all three share one hash
    index.add(42, 3); // a second key of slot 3 with the same hash
    expect(index.all(42, holds('a'))).toEqual([1, 3]);
    expect(index.first(42, holds('b'))).toBe(2);
    expect(index.first(43, holds('b'))).toBe(-1);
    index.remove(42, 1);
    expect(index.all(42, holds('a'))).toEqual([3]);
    index.remove(42, 3);
    expect(index.all(42, holds('a'))).toEqual([3]); // its second entry remains
    index.remove(42, 3);
    index.remove(42, 2);
    expect(index.first(42, () => true)).toBe(-1);
  });
});
