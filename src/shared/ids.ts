import { randomFillSync } from 'node:crypto';

// One system call per 512 ids instead of one per id: the worker takes one for every new contact.
const POOL_IDS = 512;
const pool = Buffer.alloc(8 * POOL_IDS);
let next = POOL_IDS;

function random64Hex(): string {
  if (next === POOL_IDS) {
    randomFillSync(pool);
    next = 0;
  }
  const hex = pool.toString('hex', next * 8, next * 8 + 8);
  next++;
  return hex;
}

/**
 * Time-ordered ids (48-bit millisecond time + 64 random bits, hex): cursor pagination by id is then
 * also roughly creation order, and ids from many processes never collide in practice.
 */
export function newId(prefix: string, now = Date.now()): string {
  return `${prefix}_${now.toString(16).padStart(12, '0')}${random64Hex()}`;
}
