/**
 * Where one in-memory store keeps its rows' bytes: chunks it owns (1 MB, then each twice the last),
 * cut into slots of 64-byte size classes; the slot of a replaced or deleted row is handed to the
 * next row of its class.
 *
 * Why not Buffer.from (Node's shared 8 KB pool, what the store used before): a pool slab lives as
 * long as any row in it does, and in a store where rows are replaced (pending → final, every
 * contact update) nearly every slab keeps one, so RSS grew ≈ 5.7 KB per stored activity for
 * ≈ 2 KB of live rows. Every new slab is also external memory that V8 counts towards a full GC
 * (one per 64 MB), which under load meant a full GC of the whole store every few seconds. And a
 * row located by (chunk, offset, size) fields needs no Buffer object of its own, ≈ 100 bytes of
 * heap for the GC to mark per row (bench/README.md, "Seventh session").
 *
 * The contract with the repositories: a row's slot is released exactly once, when the row leaves
 * its map (replaced or deleted), and never read after. Every read decodes synchronously right after
 * the map look-up, so no one holds a row across an await.
 */
const CLASS = 64;
/** Larger rows get their own buffer (freed by the GC with the row): rare, and not worth a class each. */
export const MAX_SLOT = 8 * 1024;
const FIRST_CHUNK = 1024 * 1024;
const MAX_CHUNK = 256 * 1024 * 1024;

/**
 * Where a row's bytes are: the number of a chunk of this space, an offset and a length. Numbers
 * only, so a repository can keep them in typed arrays (row-slots.ts) as well as in row objects.
 */
export interface RowBytes {
  chunk: number;
  at: number;
  size: number;
}

export class RowSpace {
  // Chunks by number; a row over MAX_SLOT gets a number of its own, handed on once it is released.
  private readonly chunks: (Buffer | undefined)[] = [Buffer.allocUnsafeSlow(FIRST_CHUNK)];
  private readonly freeNumbers: number[] = [];
  private current = 0;
  private used = 0;
  // Free slots by class (index = slot bytes / CLASS): their chunk numbers and offsets, in step.
  private readonly freeChunks: number[][] = [];
  private readonly freeAt: number[][] = [];
  // UTF-8 is written here first: the slot is chosen by the exact length, which only the write tells.
  private readonly scratch = Buffer.allocUnsafeSlow(MAX_SLOT);

  constructor() {
    for (let c = 0; c <= MAX_SLOT / CLASS; c++) {
      this.freeChunks.push([]);
      this.freeAt.push([]);
    }
  }

  /** Stores the UTF-8 of `text` and points `row` at it. */
  write(text: string, row: RowBytes): void {
    // 3 bytes per UTF-16 unit at most, so a text this short always fits the scratch buffer.
    const source = text.length * 3 <= MAX_SLOT ? this.scratch : Buffer.from(text);
    const size = source === this.scratch ? this.scratch.write(text, 0) : source.length;
    if (size > MAX_SLOT) {
      row.chunk = this.own(source);
      row.at = 0;
      row.size = size;
      return;
    }
    const slot = slotSize(size);
    const c = slot / CLASS;
    if (this.freeAt[c]!.length > 0) {
      row.chunk = this.freeChunks[c]!.pop()!;
      row.at = this.freeAt[c]!.pop()!;
    } else {
      let chunk = this.chunks[this.current]!;
      if (this.used + slot > chunk.length) {
        // The rest of the old chunk stays unused; the chunk lives on as long as its rows do. Each
        // chunk is twice the last (up to 256 MB): V8 counts a new chunk as external memory and
        // starts a full GC for every 64 MB of it, so a growing store triggers one per doubling
        // instead of one per 64 MB of rows. The OS commits a chunk's pages only as rows fill them.
        chunk = Buffer.allocUnsafeSlow(Math.min(MAX_CHUNK, 2 * chunk.length));
        this.current = this.own(chunk);
        this.used = 0;
      }
      row.chunk = this.current;
      row.at = this.used;
      this.used += slot;
    }
    row.size = size;
    source.copy(this.chunks[row.chunk]!, row.at, 0, size);
  }

  read(row: RowBytes): string {
    return this.chunks[row.chunk]!.toString('utf8', row.at, row.at + row.size);
  }

  /** Hands the row's slot to a later row. Only for a row written here, once, when it is gone. */
  release(row: RowBytes): void {
    if (row.size > MAX_SLOT) {
      // Its own buffer: dropped here, so the GC frees it; its number serves the next one.
      this.chunks[row.chunk] = undefined;
      this.freeNumbers.push(row.chunk);
      return;
    }
    const c = slotSize(row.size) / CLASS;
    this.freeChunks[c]!.push(row.chunk);
    this.freeAt[c]!.push(row.at);
  }

  /** Buffers held, shared chunks and rows' own (tests, diagnostics). */
  bufferCount(): number {
    return this.chunks.length - this.freeNumbers.length;
  }

  private own(buffer: Buffer): number {
    const n = this.freeNumbers.pop() ?? this.chunks.length;
    this.chunks[n] = buffer;
    return n;
  }

  /** Bytes in slots waiting for reuse (tests, diagnostics). */
  freeBytes(): number {
    let n = 0;
    for (let c = 0; c < this.freeAt.length; c++) n += this.freeAt[c]!.length * c * CLASS;
    return n;
  }
}

/** Every row takes at least one class, so an empty row still owns a slot it can release. */
function slotSize(length: number): number {
  return Math.max(CLASS, Math.ceil(length / CLASS) * CLASS);
}
