import { fromRow, roundTrip, toRow, type Row } from './memory-store';

/**
 * Records unique per (account, id), like the MongoDB `_id` key of activities and page views:
 * insert is idempotent and reads return copies. Rows are stored as bytes plus the `keys` the
 * repository filters on (memory-store.ts `Row`).
 */
export class KeyedRows<T extends { account: string; id: string }, K extends keyof T> {
  private readonly rows = new Map<string, Row<T, K | 'account' | 'id'>>();

  constructor(private readonly keys: readonly K[]) {}

  static key(account: string, id: string): string {
    return `${account}\0${id}`;
  }

  async insert(record: T): Promise<'inserted' | 'exists'> {
    await roundTrip();
    const k = KeyedRows.key(record.account, record.id);
    if (this.rows.has(k)) return 'exists';
    this.set(record);
    return 'inserted';
  }

  async findById(account: string, id: string): Promise<T | null> {
    await roundTrip();
    const r = this.rows.get(KeyedRows.key(account, id));
    return r ? fromRow<T>(r) : null;
  }

  /** For the repository's own atomic (no await) operations. */
  get(account: string, id: string): Row<T, K | 'account' | 'id'> | undefined {
    return this.rows.get(KeyedRows.key(account, id));
  }

  set(record: T): void {
    this.rows.set(KeyedRows.key(record.account, record.id), toRow(record, ['account', 'id', ...this.keys]));
  }

  delete(account: string, id: string): void {
    this.rows.delete(KeyedRows.key(account, id));
  }

  values(): IterableIterator<Row<T, K | 'account' | 'id'>> {
    return this.rows.values();
  }
}
