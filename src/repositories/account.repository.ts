import type { FieldDefinition } from '../domain/types';

export interface Account {
  id: string;
  name: string;
  defaultCountry: string;
  /** Status keys, ordered; the first is what new contacts get unless `defaultStatus` says otherwise. */
  statuses: string[];
  defaultStatus: string;
  /**
   * Label per status key (a rename changes only this, never a contact). A key without a label reads
   * as its humanized key, which is how accounts created before labels existed show theirs.
   */
  statusLabels?: Record<string, string>;
  /** Typed contact fields and the source field names that fill them; anything else is a custom field. */
  fieldDefinitions: FieldDefinition[];
  createdAt: Date;
  /** Bumped by every updateSettings (compare-and-set); absent until the first update (reads as 0). */
  revision?: number;
  /**
   * Set by the first erase with suppression, never unset: only then does the worker look for
   * suppressed identifiers, so an account that never suppressed anybody pays no store operation.
   */
  hasSuppressions?: boolean;
}

/** What an operator may change on an account (updateSettings). */
export type AccountChanges = Partial<Pick<Account, 'name' | 'defaultCountry' | 'statuses' | 'statusLabels' | 'defaultStatus' | 'fieldDefinitions' | 'hasSuppressions'>>;

export interface ApiKeyRecord {
  /** sha256 of the key: the key itself is never stored. */
  hash: string;
  account: string;
  label: string;
  createdAt: Date;
  /** After this instant the key no longer authenticates; absent: never expires. */
  expiresAt?: Date | null;
  /** Refreshed at most once a minute per key and API process (authentication stays a cached read). */
  lastUsedAt?: Date | null;
}

/**
 * One provider's webhook signing secret of one account, with the secret it replaced while that one
 * is still accepted (rotation). `version` makes every change a compare-and-set.
 */
export interface ProviderSecretRecord {
  account: string;
  provider: string;
  secret: string;
  /** When a secret was first set for this provider. */
  createdAt: Date;
  /** When the current secret was set. */
  rotatedAt: Date;
  previous: { secret: string; expiresAt: Date } | null;
  version: number;
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

  // Operator API (accounts, keys, per-provider webhook secrets).
  /** Creates the account; `exists` (and nothing changed) when the id is taken. */
  insert(account: Account): Promise<'inserted' | 'exists'>;
  /** Accounts in id order after `cursor` (an id), at most `limit`. */
  list(query: { limit: number; cursor?: string | undefined }): Promise<{ data: Account[]; nextCursor: string | null }>;
  /**
   * Applies `changes` if the stored revision still equals `expectedRevision` (absent = 0) and bumps
   * it: the updated account, or null when the account is missing or changed since it was read.
   */
  updateSettings(id: string, expectedRevision: number, changes: AccountChanges): Promise<Account | null>;
  /** One account's keys (no order promised), at most `limit`. */
  listApiKeys(account: string, limit: number): Promise<ApiKeyRecord[]>;
  /** Deletes the key if it belongs to the account; whether it did. */
  deleteApiKey(account: string, hash: string): Promise<boolean>;
  /** Records a use of the key (no-op for an unknown key). */
  touchApiKey(hash: string, at: Date): Promise<void>;
  findProviderSecret(account: string, provider: string): Promise<ProviderSecretRecord | null>;
  /** Every provider secret of the account, by provider name. */
  listProviderSecrets(account: string): Promise<ProviderSecretRecord[]>;
  /**
   * Stores `record` if the stored version still equals `expectedVersion` (0: none stored yet);
   * false when another writer changed it first. `record.version` is the new version.
   */
  putProviderSecret(record: ProviderSecretRecord, expectedVersion: number): Promise<boolean>;
}
