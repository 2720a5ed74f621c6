import { Schema, type Connection, type Model } from 'mongoose';
import type { SuppressedIdentifier } from '../repositories/suppression.repository';

/**
 * `suppressions` collection: the keyed hashes of erased people's identifiers (never the values).
 * The unique (account, hash) index makes an add idempotent and serves the worker's look-up.
 */
export interface SuppressionDoc {
  account: string;
  hash: string;
  kind: SuppressedIdentifier;
  createdAt: Date;
}

export const suppressionSchema = new Schema<SuppressionDoc>(
  {
    account: { type: String, required: true },
    hash: { type: String, required: true },
    kind: { type: String, enum: ['email', 'phone'], required: true },
    createdAt: { type: Date, required: true },
  },
  {
    collection: 'suppressions',
    versionKey: false,
    id: false,
    autoIndex: false,
    autoCreate: false,
    strictQuery: 'throw',
  },
);

export const SUPPRESSION_INDEX = {
  accountHash: 'suppressions_account_hash_unique',
} as const;

// add (upsert on the pair), findAny ({account, hash: {$in}}) and count(account) by its prefix.
suppressionSchema.index({ account: 1, hash: 1 }, { name: SUPPRESSION_INDEX.accountHash, unique: true });

export type SuppressionModel = Model<SuppressionDoc>;

export function suppressionModel(connection: Connection): SuppressionModel {
  return (connection.models.Suppression as SuppressionModel | undefined) ?? connection.model<SuppressionDoc>('Suppression', suppressionSchema);
}
