import type { RowBytes, RowSpace } from './row-space';

/**
 * Rows addressed by number (a "slot"), for a repository whose rows should cost the V8 heap
 * nothing: each slot's texts live in the RowSpace and its numbers in typed arrays, so a million
 * contacts are a few large arrays, not millions of objects for every young and full GC to visit.
 *
 * Why: held as objects (one row object, its id and key strings, its map entries: ≈ 8 heap objects
 * and ≈ 400 bytes per contact), a million contacts made every GC of the worker slower, and the
 * same heap held as unrelated ballast slowed the use case just as much as the million contacts
 * did (bench/README.md, "Eighth session").
 */
export class RowSlots {
  private capacity = 0;
  // Per slot, per text: chunk number + 1 (0: no text), offset, length.
  private loc = new Uint32Array(0);
  private nums = new Float64Array(0);
  private live = new Uint8Array(0);
  private used = 0;
  private readonly freed: number[] = [];
  private readonly ref: RowBytes = { chunk: 0, at: 0, size: 0 };

  constructor(
    private readonly space: RowSpace,
    private readonly texts: number,
    private readonly numbers: number,
  ) {
    this.grow(1024);
  }

  /** A free slot, its numbers 0 and no texts. */
  allocate(): number {
    const slot = this.freed.pop() ?? this.used++;
    if (slot >= this.capacity) this.grow(2 * this.capacity);
    this.live[slot] = 1;
    return slot;
  }

  /** Releases the slot's texts and hands the slot to a later allocate(). */
  free(slot: number): void {
    for (let t = 0; t < this.texts; t++) this.releaseText(slot, t);
    this.nums.fill(0, slot * this.numbers, (slot + 1) * this.numbers);
    this.live[slot] = 0;
    this.freed.push(slot);
  }

  isLive(slot: number): boolean {
    return slot < this.used && this.live[slot] === 1;
  }

  /** Slots in use, in slot order. */
  *liveSlots(): IterableIterator<number> {
    for (let s = 0; s < this.used; s++) if (this.live[s] === 1) yield s;
  }

  setText(slot: number, t: number, text: string): void {
    const ref = this.ref;
    this.space.write(text, ref);
    const { chunk, at, size } = ref;
    // Released after the write: the new text never takes the slot it replaces, as in KeyedRows.
    this.releaseText(slot, t);
    const i = 3 * (slot * this.texts + t);
    this.loc[i] = chunk + 1;
    this.loc[i + 1] = at;
    this.loc[i + 2] = size;
  }

  hasText(slot: number, t: number): boolean {
    return this.loc[3 * (slot * this.texts + t)] !== 0;
  }

  /** Releases the slot's text `t`, leaving it without one. */
  clearText(slot: number, t: number): void {
    this.releaseText(slot, t);
  }

  text(slot: number, t: number): string {
    const i = 3 * (slot * this.texts + t);
    if (this.loc[i] === 0) throw new Error(`slot ${slot} has no text ${t}`);
    return this.space.read(this.refAt(i));
  }

  number(slot: number, n: number): number {
    return this.nums[slot * this.numbers + n]!;
  }

  setNumber(slot: number, n: number, value: number): void {
    this.nums[slot * this.numbers + n] = value;
  }

  private releaseText(slot: number, t: number): void {
    const i = 3 * (slot * this.texts + t);
    if (this.loc[i] === 0) return;
    this.space.release(this.refAt(i));
    this.loc[i] = 0;
  }

  /** The shared ref, pointed at the text whose location starts at loc[i]. */
  private refAt(i: number): RowBytes {
    const ref = this.ref;
    ref.chunk = this.loc[i]! - 1;
    ref.at = this.loc[i + 1]!;
    ref.size = this.loc[i + 2]!;
    return ref;
  }

  private grow(capacity: number): void {
    const loc = new Uint32Array(capacity * this.texts * 3);
    loc.set(this.loc);
    const nums = new Float64Array(capacity * this.numbers);
    nums.set(this.nums);
    const live = new Uint8Array(capacity);
    live.set(this.live);
    this.loc = loc;
    this.nums = nums;
    this.live = live;
    this.capacity = capacity;
  }
}
