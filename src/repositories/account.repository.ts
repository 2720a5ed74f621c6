export interface Account {
  id: string;
  name: string;
  defaultCountry: string;
  /** Ordered; the first is what new contacts get unless `defaultStatus` says otherwise. */
  statuses: string[];
  defaultStatus: string;
  createdAt: Date;
}

export interface ApiKeyRecord {
  /** sha256 of the key: the key itself is never stored. */
  hash: string;
  account: string;
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
}
