import { randomBytes } from 'node:crypto';

/**
 * Time-ordered ids (48-bit millisecond time + 64 random bits, hex): cursor pagination by id is then
 * also roughly creation order, and ids from many processes never collide in practice.
 */
export function newId(prefix: string, now = Date.now()): string {
  return `${prefix}_${now.toString(16).padStart(12, '0')}${randomBytes(8).toString('hex')}`;
}
