import type { FieldDefinition } from '../domain/types';

export interface Account {
  id: string;
  name: string;
  defaultCountry: string;
  /** Ordered; the first is what new contacts get unless `defaultStatus` says otherwise. */
  statuses: string[];
  defaultStatus: string;
  /** Typed contact fields and the source field names that fill them; anything else is a custom field. */
  fieldDefinitions: FieldDefinition[];
  createdAt: Date;
}

export interface ApiKeyRecord {
  /** sha256 of the key: the key itself is never stored. */
  hash: string;
  account: string;
  label: string;
  createdAt: Date;
}

/**
 * A webhook signing secret. Kept in clear (an HMAC needs the secret itself, unlike an API key
 * check); `label` says which one it is ("current", "previous") during a rotation.
 */
export interface WebhookSecretRecord {
  secret: string;
  label: string;
  createdAt: Date;
}

export interface AccountRepository {
  /** Creates the account if missing; an existing account is returned unchanged. */
  ensure(account: Account): Promise<Account>;
  findById(id: string): Promise<Account | null>;
  /** Stores the key hash for the account if missing (idempotent). */
  ensureApiKey(key: ApiKeyRecord): Promise<void>;
  findApiKey(hash: string): Promise<ApiKeyRecord | null>;
  /** Deletes the account's keys with this label except `keepHash` (key rotation); returns how many. */
  revokeApiKeys(account: string, label: string, keepHash: string): Promise<number>;
  /** Replaces the account's active webhook secrets as a whole (a rotation is one atomic write). */
  setWebhookSecrets(account: string, secrets: WebhookSecretRecord[]): Promise<void>;
  /** The active secrets, newest first as stored; none when the account has not set any. */
  findWebhookSecrets(account: string): Promise<WebhookSecretRecord[]>;
}
