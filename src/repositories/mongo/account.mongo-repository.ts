import mongoose from 'mongoose';
import type { FieldDefinition, FieldType } from '../../domain/types';
import type { AccountDoc, AccountModel, FieldDefinitionDoc } from '../../models/account.model';
import type { ApiKeyDoc, ApiKeyModel } from '../../models/api-key.model';
import type { WebhookSecretsDoc, WebhookSecretsModel } from '../../models/webhook-secret.model';
import type { Account, AccountRepository, ApiKeyRecord, WebhookSecretRecord } from '../account.repository';
import { isDuplicateKeyError, str } from './mongo-errors';

const toAccount = (d: AccountDoc): Account => ({
  id: d._id,
  name: d.name,
  defaultCountry: d.defaultCountry,
  statuses: [...(d.statuses ?? [])],
  defaultStatus: d.defaultStatus,
  fieldDefinitions: (d.fieldDefinitions ?? []).map(toFieldDefinition),
  createdAt: d.createdAt,
});

/** Only the keys that are set, so a stored definition reads back equal to the one written. */
function toFieldDefinition(d: FieldDefinitionDoc): FieldDefinition {
  return {
    key: d.key,
    type: d.type as FieldType,
    ...(d.label !== undefined ? { label: d.label } : {}),
    ...(d.options !== undefined ? { options: [...d.options] } : {}),
    ...(d.setOnce !== undefined ? { setOnce: d.setOnce } : {}),
    ...(d.sourceNames !== undefined ? { sourceNames: [...d.sourceNames] } : {}),
  };
}

const toApiKey = (d: ApiKeyDoc): ApiKeyRecord => ({ hash: d._id, account: d.account, label: d.label, createdAt: d.createdAt });

export class MongoAccountRepository implements AccountRepository {
  constructor(
    private readonly accounts: AccountModel,
    private readonly apiKeys: ApiKeyModel,
    private readonly webhookSecrets: WebhookSecretsModel,
  ) {}

  async ensure(account: Account) {
    const { id, ...rest } = account;
    try {
      // Upsert with $setOnInsert: an existing account is returned unchanged.
      const doc = await this.accounts
        .findOneAndUpdate(
          { _id: str(id, 'id') },
          { $setOnInsert: { name: rest.name, defaultCountry: rest.defaultCountry, statuses: [...rest.statuses], defaultStatus: rest.defaultStatus, fieldDefinitions: rest.fieldDefinitions.map((f) => ({ ...f })), createdAt: rest.createdAt } },
          { upsert: true, returnDocument: 'after' },
        )
        .lean<AccountDoc>();
      if (doc) return toAccount(doc);
    } catch (err) {
      // Two concurrent upserts of a new account: the loser reads the winner's document.
      if (!isDuplicateKeyError(err)) throw err;
    }
    const existing = await this.findById(id);
    if (!existing) throw new Error(`account ${id} could not be ensured`);
    return existing;
  }

  async findById(id: string) {
    const doc = await this.accounts.findOne({ _id: str(id, 'id') }).lean<AccountDoc>();
    return doc ? toAccount(doc) : null;
  }

  async ensureApiKey(key: ApiKeyRecord) {
    try {
      await this.apiKeys.updateOne(
        { _id: str(key.hash, 'hash') },
        { $setOnInsert: { account: key.account, label: key.label, createdAt: key.createdAt } },
        { upsert: true },
      );
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err; // concurrent upsert: the key is stored either way
    }
  }

  async revokeApiKeys(account: string, label: string, keepHash: string) {
    const result = await this.apiKeys.deleteMany({
      account: str(account, 'account'),
      label: str(label, 'label'),
      _id: mongoose.trusted({ $ne: str(keepHash, 'keepHash') }),
    });
    return result.deletedCount;
  }

  async findApiKey(hash: string) {
    const doc = await this.apiKeys.findOne({ _id: str(hash, 'hash') }).lean<ApiKeyDoc>();
    return doc ? toApiKey(doc) : null;
  }

  async setWebhookSecrets(account: string, secrets: WebhookSecretRecord[]) {
    const update = {
      $set: { secrets: secrets.map((s) => ({ secret: s.secret, label: s.label, createdAt: s.createdAt })), updatedAt: new Date() },
    };
    try {
      await this.webhookSecrets.updateOne({ _id: str(account, 'account') }, update, { upsert: true });
    } catch (err) {
      // Two concurrent first upserts: one inserted, so the retry is a plain update.
      if (!isDuplicateKeyError(err)) throw err;
      await this.webhookSecrets.updateOne({ _id: str(account, 'account') }, update);
    }
  }

  async findWebhookSecrets(account: string) {
    const doc = await this.webhookSecrets.findOne({ _id: str(account, 'account') }).lean<WebhookSecretsDoc>();
    return (doc?.secrets ?? []).map((s) => ({ secret: s.secret, label: s.label, createdAt: s.createdAt }));
  }
}
