import { Schema, type Connection, type Model } from 'mongoose';

/**
 * `providersecrets` collection: one document per (account, webhook provider) holding the current
 * signing secret and, during a rotation, the previous one with the instant it stops being accepted.
 * `_id` is `providerSecretKey(account, provider)`, so setting a provider's secret is one atomic
 * document write (compare-and-set on `version`), independent of the account's other providers.
 */
export interface ProviderSecretDoc {
  _id: string;
  account: string;
  provider: string;
  secret: string;
  createdAt: Date;
  rotatedAt: Date;
  previous: { secret: string; expiresAt: Date } | null;
  version: number;
}

export function providerSecretKey(account: string, provider: string): string {
  // As activityKey: the encoded account never contains ':', so the key is unambiguous.
  return `${encodeURIComponent(account)}:${provider}`;
}

export const providerSecretSchema = new Schema<ProviderSecretDoc>(
  {
    _id: { type: String, required: true },
    account: { type: String, required: true },
    provider: { type: String, required: true },
    secret: { type: String, required: true },
    createdAt: { type: Date, required: true },
    rotatedAt: { type: Date, required: true },
    previous: {
      type: new Schema({ secret: { type: String, required: true }, expiresAt: { type: Date, required: true } }, { _id: false }),
      default: null,
    },
    version: { type: Number, required: true },
  },
  {
    collection: 'providersecrets',
    versionKey: false,
    id: false,
    autoIndex: false,
    autoCreate: false,
    strictQuery: 'throw',
  },
);

export const PROVIDER_SECRET_INDEX = { accountProvider: 'providersecrets_account_provider' } as const;

// listProviderSecrets: one account's providers in name order (the webhook intake's cache fill).
providerSecretSchema.index({ account: 1, provider: 1 }, { name: PROVIDER_SECRET_INDEX.accountProvider });

export type ProviderSecretModel = Model<ProviderSecretDoc>;

export function providerSecretModel(connection: Connection): ProviderSecretModel {
  return (
    (connection.models.ProviderSecret as ProviderSecretModel | undefined) ??
    connection.model<ProviderSecretDoc>('ProviderSecret', providerSecretSchema)
  );
}
