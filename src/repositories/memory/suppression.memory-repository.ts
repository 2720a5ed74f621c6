import type { SuppressionRecord, SuppressionRepository } from '../suppression.repository';
import { ByAccount, copy, roundTrip } from './memory-store';

/** Same semantics as the MongoDB implementation: unique per (account, hash), reads return copies. */
export class MemorySuppressionRepository implements SuppressionRepository {
  private readonly byHash = new ByAccount<SuppressionRecord>();

  async add(record: SuppressionRecord) {
    await roundTrip();
    if (this.byHash.get(record.account, record.hash)) return 'exists' as const;
    this.byHash.set(record.account, record.hash, copy(record));
    return 'inserted' as const;
  }

  async findAny(account: string, hashes: readonly string[]) {
    await roundTrip();
    return [...new Set(hashes)].filter((h) => this.byHash.get(account, h) !== undefined);
  }

  async count(account: string) {
    await roundTrip();
    return this.byHash.of(account).size;
  }
}
