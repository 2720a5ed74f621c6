import mongoose from 'mongoose';
import type { SuppressionModel } from '../../models/suppression.model';
import type { SuppressionRecord, SuppressionRepository } from '../suppression.repository';
import { isDuplicateKeyError, str } from './mongo-errors';

export class MongoSuppressionRepository implements SuppressionRepository {
  constructor(private readonly model: SuppressionModel) {}

  async add(r: SuppressionRecord) {
    try {
      // An upsert on the unique pair: the first writer inserts, every later one matches and writes nothing.
      const result = await this.model.updateOne(
        { account: str(r.account, 'account'), hash: str(r.hash, 'hash') },
        { $setOnInsert: { kind: r.kind, createdAt: r.createdAt } },
        { upsert: true },
      );
      return result.upsertedCount === 1 ? ('inserted' as const) : ('exists' as const);
    } catch (err) {
      // Two concurrent upserts of a new pair: the loser hits the unique index; the pair is stored.
      if (isDuplicateKeyError(err)) return 'exists' as const;
      throw err;
    }
  }

  async findAny(account: string, hashes: readonly string[]) {
    if (hashes.length === 0) return [];
    const wanted = [...new Set(hashes.map((h) => str(h, 'hash')))];
    // trusted(): our own $in must survive the connection's sanitizeFilter; its operands are checked strings.
    const docs = await this.model
      .find({ account: str(account, 'account'), hash: mongoose.trusted({ $in: wanted }) }, { hash: 1, _id: 0 })
      .lean<{ hash: string }[]>();
    return docs.map((d) => d.hash);
  }

  async count(account: string) {
    return this.model.countDocuments({ account: str(account, 'account') });
  }
}
