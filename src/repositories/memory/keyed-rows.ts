import { AccountMap, fromRow, roundTrip, rowWriter, type Row } from './memory-store';
import { RowSpace } from './row-space';

/**
 * Records unique per (account, id), like the MongoDB `_id` key of activities and page views:
 * insert is idempotent and reads return copies. Rows are stored as bytes plus the keys the
 * repository filters on (memory-store.ts `Row`).
 */
export class KeyedRows<T extends { account: string; id: string }, K extends keyof T> {
  private readonly rows = new AccountMap<Row<T, K | 'account' | 'id'>>();
  private readonly toRow: (record: T) => Row<T, K | 'account' | 'id'>;

  constructor(
    keys: readonly K[],
    private readonly space: RowSpace = new RowSpace(),
  ) {
    this.toRow = rowWriter<T, K | 'account' | 'id'>(['account', 'id', ...keys], space);
  }

  async insert(record: T): Promise<'inserted' | 'exists'> {
    await roundTrip();
    return this.insertNow(record);
  }

  /** The atomic part of insert(), for a repository that indexes the row in the same step. */
  insertNow(record: T): 'inserted' | 'exists' {
    if (this.rows.has(record.account, record.id)) return 'exists';
    this.set(record);
    return 'inserted';
  }

  async findById(account: string, id: string): Promise<T | null> {
    await roundTrip();
    const r = this.rows.get(account, id);
    return r ? fromRow<T>(this.space, r) : null;
  }

  /** For the repository's own atomic (no await) operations. */
  get(account: string, id: string): Row<T, K | 'account' | 'id'> | undefined {
    return this.rows.get(account, id);
  }

  set(record: T): void {
    const replaced = this.rows.get(record.account, record.id);
    this.rows.set(record.account, record.id, this.toRow(record));
    if (replaced) this.space.release(replaced);
  }

  delete(account: string, id: string): void {
    const row = this.rows.get(account, id);
    if (!row) return;
    this.rows.delete(account, id);
    this.space.release(row);
  }

  /** A fresh copy of a row's record. */
  load(row: Row<T, K | 'account' | 'id'>): T {
    return fromRow<T>(this.space, row);
  }

  /** One account's rows. */
  of(account: string): Row<T, K | 'account' | 'id'>[] {
    return [...this.rows.valuesOf(account)];
  }
}
