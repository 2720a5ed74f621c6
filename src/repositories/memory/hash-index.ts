/**
 * An index from a key's hash to the slots (row-slots.ts) whose rows hold the key. Hashes and slots
 * are small integers (V8 Smis), so the Map is one large table with no object per entry: a million
 * keys are a few MB the GC scans in one sweep, where string keys and row objects were millions of
 * objects to mark and to look through on every young GC.
 *
 * A hash says only "maybe": two keys can share one, so every look-up passes a `holds` check that
 * reads the candidate row itself. The index may therefore hold the same slot twice under one hash
 * (a contact with two visitor ids that collide); look-ups report it once.
 */
export class HashIndex {
  private readonly entries = new Map<number, number | number[]>();

  add(hash: number, slot: number): void {
    const e = this.entries.get(hash);
    if (e === undefined) this.entries.set(hash, slot);
    else if (typeof e === 'number') this.entries.set(hash, [e, slot]);
    else e.push(slot);
  }

  /** Removes one entry of the slot under the hash (callers add and remove each key exactly once). */
  remove(hash: number, slot: number): void {
    const e = this.entries.get(hash);
    if (e === slot) this.entries.delete(hash);
    else if (typeof e === 'object') {
      const i = e.indexOf(slot);
      if (i >= 0) e.splice(i, 1);
      if (e.length === 1) this.entries.set(hash, e[0]!);
    }
  }

  /** The first slot under the hash that holds the key, or -1. */
  first(hash: number, holds: (slot: number) => boolean): number {
    const e = this.entries.get(hash);
    if (e === undefined) return -1;
    if (typeof e === 'number') return holds(e) ? e : -1;
    for (const slot of e) if (holds(slot)) return slot;
    return -1;
  }

  /** Every slot under the hash that holds the key, each once. */
  all(hash: number, holds: (slot: number) => boolean): number[] {
    const e = this.entries.get(hash);
    if (e === undefined) return [];
    if (typeof e === 'number') return holds(e) ? [e] : [];
    return [...new Set(e)].filter(holds);
  }
}

/** How a string key is hashed, with a seed (the account's number) mixed in first. */
export type KeyHash = (seed: number, key: string) => number;

/**
 * 32-bit FNV-1a over the UTF-16 units, cut to 30 bits so it stays a Smi on every V8 build. Only
 * speed and spread matter: the index never trusts a hash.
 */
export const fnv1a30: KeyHash = (seed, key) => {
  let h = Math.imul(0x811c9dc5 ^ seed, 0x01000193);
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return (h ^ (h >>> 15)) & 0x3fffffff;
};

/**
 * Accounts as small numbers (from 1; 0 marks a free slot), so slots and hashes hold a number, not
 * an account string. `get` never assigns one: a read for an unknown account finds nothing.
 */
export class AccountNumbers {
  private readonly numbers = new Map<string, number>();

  get(account: string): number | undefined {
    return this.numbers.get(account);
  }

  /** The account's number, assigned on first use (writes). */
  numberFor(account: string): number {
    let n = this.numbers.get(account);
    if (n === undefined) this.numbers.set(account, (n = this.numbers.size + 1));
    return n;
  }
}
