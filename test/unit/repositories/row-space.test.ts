import fc from 'fast-check';
import { MAX_SLOT, RowSpace, type RowBytes } from '../../../src/repositories/memory/row-space';

/**
 * The memory store's row bytes live in slots that are reused once a row is gone (row-space.ts). The
 * one thing that must never happen is two live rows sharing bytes: a reused slot overwriting a row
 * that is still stored. The model below checks every live row after every step.
 */
const write = (space: RowSpace, text: string): RowBytes => {
  const row: RowBytes = { chunk: 0, at: 0, size: 0 };
  space.write(text, row);
  return row;
};

it('keeps every live row intact through any sequence of writes and releases', () => {
  const text = fc.oneof(
    fc.string({ maxLength: 300 }),
    fc.string({ unit: 'binary', maxLength: 200 }), // astral and non-Latin-1 characters: up to 4 UTF-8 bytes each
    fc.integer({ min: 0, max: 3 * MAX_SLOT }).map((n) => 'x'.repeat(n)), // around and above MAX_SLOT
  );
  const step = fc.oneof(
    text.map((t) => ({ kind: 'write' as const, text: t })),
    fc.nat().map((i) => ({ kind: 'release' as const, pick: i })),
  );
  fc.assert(
    fc.property(fc.array(step, { maxLength: 120 }), (steps) => {
      const space = new RowSpace();
      const live: { row: RowBytes; text: string }[] = [];
      for (const s of steps) {
        if (s.kind === 'write') {
          live.push({ row: write(space, s.text), text: s.text });
        } else if (live.length > 0) {
          const [gone] = live.splice(s.pick % live.length, 1);
          space.release(gone!.row);
        }
        for (const { row, text } of live) expect(space.read(row)).toBe(text);
      }
    }),
    { numRuns: 300 },
  );
});

it('gives a released slot to the next row of its size class, and to no other', () => {
  const space = new RowSpace();
  const a = write(space, 'a'.repeat(100)); // the 128-byte class
  const b = write(space, 'b'.repeat(100));
  space.release(a);
  expect(space.freeBytes()).toBe(128);

  const other = write(space, 'c'.repeat(10)); // the 64-byte class: a fresh slot
  expect(other.at).not.toBe(a.at);
  const same = write(space, 'd'.repeat(120)); // the 128-byte class: a's slot
  expect(same.chunk).toBe(a.chunk);
  expect(same.at).toBe(a.at);
  expect(space.freeBytes()).toBe(0);
  expect(space.read(b)).toBe('b'.repeat(100));
});

it('gives rows larger than a slot their own buffer, which release leaves to the GC', () => {
  const space = new RowSpace();
  const buffers = space.bufferCount();
  const big = write(space, 'é'.repeat(MAX_SLOT)); // 2 bytes each in UTF-8
  expect(big.size).toBe(2 * MAX_SLOT);
  expect(space.bufferCount()).toBe(buffers + 1);
  expect(space.read(big)).toBe('é'.repeat(MAX_SLOT));
  space.release(big);
  expect(space.freeBytes()).toBe(0);
  expect(space.bufferCount()).toBe(buffers);
  // Its number serves the next big row.
  const next = write(space, 'z'.repeat(2 * MAX_SLOT));
  expect(next.chunk).toBe(big.chunk);
  expect(space.read(next)).toBe('z'.repeat(2 * MAX_SLOT));
  // Long in UTF-16 units but within a slot once written: still a slot.
  const fits = write(space, 'y'.repeat(MAX_SLOT - 1));
  expect(fits.size).toBe(MAX_SLOT - 1);
  space.release(fits);
  expect(space.freeBytes()).toBe(MAX_SLOT);
});
