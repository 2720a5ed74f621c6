import { copy, roundTrip } from './memory-store';

/**
 * Records unique per (account, id), like the MongoDB `_id` key of activities and page views:
 * insert is idempotent and reads return copies.
 */
export class KeyedRows<T extends { account: string; id: string }> {
  private readonly rows = new Map<string, T>();

  static key(account: string, id: string): string {
    return `${account}\0${id}`;
  }

  async insert(record: T): Promise<'inserted' | 'exists'> {
    await roundTrip();
    const k = KeyedRows.key(record.account, record.id);
    if (this.rows.has(k)) return 'exists';
    this.rows.set(k, copy(record));
    return 'inserted';
  }

  async findById(account: string, id: string): Promise<T | null> {
    await roundTrip();
    const r = this.rows.get(KeyedRows.key(account, id));
    return r ? copy(r) : null;
  }

  /** Direct access for the repository's own atomic (no await) operations. */
  get map(): Map<string, T> {
    return this.rows;
  }
}
