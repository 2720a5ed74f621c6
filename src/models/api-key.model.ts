import { Schema, type Connection, type Model } from 'mongoose';

/**
 * `apikeys` collection. `_id` is the sha256 hash of the key (the key itself is never stored), so the
 * `_id` index is the unique index on the hash and authentication is one point lookup.
 */
export interface ApiKeyDoc {
  _id: string;
  account: string;
  label: string;
  createdAt: Date;
  expiresAt?: Date | null;
  lastUsedAt?: Date | null;
}

export const apiKeySchema = new Schema<ApiKeyDoc>(
  {
    _id: { type: String, required: true },
    account: { type: String, required: true },
    label: { type: String },
    createdAt: { type: Date, required: true },
    expiresAt: { type: Date },
    lastUsedAt: { type: Date },
  },
  {
    collection: 'apikeys',
    versionKey: false,
    id: false,
    autoIndex: false,
    autoCreate: false,
    strictQuery: 'throw',
  },
);

export const API_KEY_INDEX = { accountLabel: 'apikeys_account_label' } as const;

// revokeApiKeys (one account's keys with one label) and listApiKeys (one account's keys, by prefix).
apiKeySchema.index({ account: 1, label: 1 }, { name: API_KEY_INDEX.accountLabel });

export type ApiKeyModel = Model<ApiKeyDoc>;

export function apiKeyModel(connection: Connection): ApiKeyModel {
  return (connection.models.ApiKey as ApiKeyModel | undefined) ?? connection.model<ApiKeyDoc>('ApiKey', apiKeySchema);
}
