import mongoose from 'mongoose';
import type { FieldDefinition, FieldType } from '../../domain/types';
import type { AccountDoc, AccountModel, FieldDefinitionDoc } from '../../models/account.model';
import type { ApiKeyDoc, ApiKeyModel } from '../../models/api-key.model';
import { providerSecretKey, type ProviderSecretDoc, type ProviderSecretModel } from '../../models/provider-secret.model';
import type { WebhookSecretsDoc, WebhookSecretsModel } from '../../models/webhook-secret.model';
import type { Account, AccountChanges, AccountRepository, ApiKeyRecord, ProviderSecretRecord, WebhookSecretRecord } from '../account.repository';
import { isDuplicateKeyError, str } from './mongo-errors';

const toAccount = (d: AccountDoc): Account => ({
  id: d._id,
  name: d.name,
  defaultCountry: d.defaultCountry,
  statuses: [...(d.statuses ?? [])],
  defaultStatus: d.defaultStatus,
  // Only what is stored, so an account reads back equal to the one written.
  ...(d.statusLabels !== undefined ? { statusLabels: Object.fromEntries(d.statusLabels.map((l) => [l.key, l.label])) } : {}),
  fieldDefinitions: (d.fieldDefinitions ?? []).map(toFieldDefinition),
  createdAt: d.createdAt,
  ...(d.revision !== undefined && d.revision !== null ? { revision: d.revision } : {}),
  ...(d.hasSuppressions === true ? { hasSuppressions: true } : {}),
});

/** The stored form of what an operator changes: labels as entries, definitions as given. */
function toChangesDoc(changes: AccountChanges): Partial<AccountDoc> {
  const { statusLabels, fieldDefinitions, statuses, ...rest } = changes;
  return {
    ...rest,
    ...(statuses !== undefined ? { statuses: [...statuses] } : {}),
    ...(statusLabels !== undefined ? { statusLabels: labelEntries(statusLabels) } : {}),
    ...(fieldDefinitions !== undefined ? { fieldDefinitions: fieldDefinitions.map(toFieldDefinitionDoc) } : {}),
  };
}

const labelEntries = (labels: Record<string, string>) => Object.entries(labels).map(([key, label]) => ({ key, label }));

function toFieldDefinitionDoc(f: FieldDefinition): FieldDefinitionDoc {
  return {
    key: f.key,
    type: f.type,
    ...(f.label !== undefined ? { label: f.label } : {}),
    ...(f.options !== undefined ? { options: [...f.options] } : {}),
    ...(f.setOnce !== undefined ? { setOnce: f.setOnce } : {}),
    ...(f.sourceNames !== undefined ? { sourceNames: [...f.sourceNames] } : {}),
    ...(f.archived !== undefined ? { archived: f.archived } : {}),
  };
}

/** Only the keys that are set, so a stored definition reads back equal to the one written. */
function toFieldDefinition(d: FieldDefinitionDoc): FieldDefinition {
  return {
    key: d.key,
    type: d.type as FieldType,
    ...(d.label !== undefined ? { label: d.label } : {}),
    ...(d.options !== undefined ? { options: [...d.options] } : {}),
    ...(d.setOnce !== undefined ? { setOnce: d.setOnce } : {}),
    ...(d.sourceNames !== undefined ? { sourceNames: [...d.sourceNames] } : {}),
    ...(d.archived !== undefined ? { archived: d.archived } : {}),
  };
}

/** Everything but `_id`, as stored when the account is created. */
function insertDocOf(account: Account) {
  return {
    name: account.name,
    defaultCountry: account.defaultCountry,
    statuses: [...account.statuses],
    defaultStatus: account.defaultStatus,
    ...(account.statusLabels !== undefined ? { statusLabels: labelEntries(account.statusLabels) } : {}),
    fieldDefinitions: account.fieldDefinitions.map(toFieldDefinitionDoc),
    createdAt: account.createdAt,
  };
}

const toApiKey = (d: ApiKeyDoc): ApiKeyRecord => ({
  hash: d._id,
  account: d.account,
  label: d.label,
  createdAt: d.createdAt,
  ...(d.expiresAt ? { expiresAt: d.expiresAt } : {}),
  ...(d.lastUsedAt ? { lastUsedAt: d.lastUsedAt } : {}),
});

const toProviderSecret = (d: ProviderSecretDoc): ProviderSecretRecord => ({
  account: d.account,
  provider: d.provider,
  secret: d.secret,
  createdAt: d.createdAt,
  rotatedAt: d.rotatedAt,
  previous: d.previous ? { secret: d.previous.secret, expiresAt: d.previous.expiresAt } : null,
  version: d.version,
});

export class MongoAccountRepository implements AccountRepository {
  constructor(
    private readonly accounts: AccountModel,
    private readonly apiKeys: ApiKeyModel,
    private readonly webhookSecrets: WebhookSecretsModel,
    private readonly providerSecrets: ProviderSecretModel,
  ) {}

  async ensure(account: Account) {
    const id = account.id;
    try {
      // Upsert with $setOnInsert: an existing account is returned unchanged.
      const doc = await this.accounts
        .findOneAndUpdate(
          { _id: str(id, 'id') },
          { $setOnInsert: insertDocOf(account) },
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
        {
          $setOnInsert: {
            account: key.account,
            label: key.label,
            createdAt: key.createdAt,
            ...(key.expiresAt ? { expiresAt: key.expiresAt } : {}),
          },
        },
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
  async insert(account: Account) {
    try {
      await this.accounts.create({ _id: str(account.id, 'id'), ...insertDocOf(account) });
      return 'inserted' as const;
    } catch (err) {
      if (isDuplicateKeyError(err)) return 'exists' as const;
      throw err;
    }
  }

  async list(query: { limit: number; cursor?: string | undefined }) {
    if (query.limit < 1) return { data: [], nextCursor: null };
    const filter = query.cursor === undefined ? {} : { _id: mongoose.trusted({ $gt: str(query.cursor, 'cursor') }) };
    const docs = await this.accounts
      .find(filter)
      .sort({ _id: 1 })
      .limit(query.limit + 1)
      .lean<AccountDoc[]>();
    const data = docs.slice(0, query.limit).map(toAccount);
    return { data, nextCursor: docs.length > query.limit ? data[data.length - 1]!.id : null };
  }

  async updateSettings(id: string, expectedRevision: number, changes: AccountChanges) {
    // A missing revision is revision 0 (accounts stored before there was one); null matches missing.
    const doc = await this.accounts
      .findOneAndUpdate(
        { _id: str(id, 'id'), revision: expectedRevision === 0 ? null : expectedRevision },
        // A change that changes nothing still bumps the revision (no empty $set: the server refuses it).
        { ...(Object.keys(changes).length > 0 ? { $set: toChangesDoc(changes) } : {}), $inc: { revision: 1 } },
        { returnDocument: 'after' },
      )
      .lean<AccountDoc>();
    return doc ? toAccount(doc) : null;
  }

  async listApiKeys(account: string, limit: number) {
    if (limit < 1) return [];
    const docs = await this.apiKeys.find({ account: str(account, 'account') }).limit(limit).lean<ApiKeyDoc[]>();
    return docs.map(toApiKey);
  }

  async deleteApiKey(account: string, hash: string) {
    const result = await this.apiKeys.deleteOne({ _id: str(hash, 'hash'), account: str(account, 'account') });
    return result.deletedCount === 1;
  }

  async touchApiKey(hash: string, at: Date) {
    await this.apiKeys.updateOne({ _id: str(hash, 'hash') }, { $set: { lastUsedAt: at } });
  }

  async findProviderSecret(account: string, provider: string) {
    const doc = await this.providerSecrets
      .findOne({ _id: providerSecretKey(str(account, 'account'), str(provider, 'provider')) })
      .lean<ProviderSecretDoc>();
    return doc ? toProviderSecret(doc) : null;
  }

  async listProviderSecrets(account: string) {
    const docs = await this.providerSecrets
      .find({ account: str(account, 'account') })
      .sort({ provider: 1 })
      .lean<ProviderSecretDoc[]>();
    return docs.map(toProviderSecret);
  }

  async putProviderSecret(record: ProviderSecretRecord, expectedVersion: number) {
    const _id = providerSecretKey(str(record.account, 'account'), str(record.provider, 'provider'));
    const doc = {
      account: record.account,
      provider: record.provider,
      secret: record.secret,
      createdAt: record.createdAt,
      rotatedAt: record.rotatedAt,
      previous: record.previous ? { secret: record.previous.secret, expiresAt: record.previous.expiresAt } : null,
      version: record.version,
    };
    if (expectedVersion === 0) {
      try {
        await this.providerSecrets.create({ _id, ...doc });
        return true;
      } catch (err) {
        if (isDuplicateKeyError(err)) return false; // another writer set the first secret
        throw err;
      }
    }
    const result = await this.providerSecrets.replaceOne({ _id, version: expectedVersion }, doc);
    return result.matchedCount === 1;
  }
}
