import type {
  Account,
  AccountChanges,
  AccountRepository,
  ApiKeyRecord,
  ProviderSecretRecord,
  WebhookSecretRecord,
} from '../account.repository';
import { ByAccount, copy, roundTrip } from './memory-store';

export class MemoryAccountRepository implements AccountRepository {
  private readonly accounts = new Map<string, Account>();
  // Account ids in order, kept sorted on insert, so a page of list() costs its own length.
  private readonly ids: string[] = [];
  // Keys by hash (authentication), and by (account, hash) for one account's keys.
  private readonly keys = new Map<string, ApiKeyRecord>();
  private readonly keysByAccount = new ByAccount<ApiKeyRecord>();
  private readonly webhookSecrets = new Map<string, WebhookSecretRecord[]>();
  private readonly providerSecrets = new ByAccount<ProviderSecretRecord>();

  async ensure(account: Account) {
    await roundTrip();
    if (!this.accounts.has(account.id)) this.add(account);
    return copy(this.accounts.get(account.id)!);
  }

  async findById(id: string) {
    await roundTrip();
    const found = this.accounts.get(id);
    return found ? copy(found) : null;
  }

  async insert(account: Account) {
    await roundTrip();
    if (this.accounts.has(account.id)) return 'exists' as const;
    this.add(account);
    return 'inserted' as const;
  }

  async list(query: { limit: number; cursor?: string | undefined }) {
    await roundTrip();
    // A cursor that is not a string (an injected operator) is no position: it matches nothing.
    if (query.limit < 1 || (query.cursor !== undefined && typeof query.cursor !== 'string')) return { data: [], nextCursor: null };
    const start = query.cursor === undefined ? 0 : firstAfter(this.ids, query.cursor);
    const page = this.ids.slice(start, start + query.limit + 1);
    const data = page.slice(0, query.limit).map((id) => copy(this.accounts.get(id)!));
    return { data, nextCursor: page.length > query.limit ? data[data.length - 1]!.id : null };
  }

  async updateSettings(id: string, expectedRevision: number, changes: AccountChanges) {
    await roundTrip();
    const current = this.accounts.get(id);
    if (!current || (current.revision ?? 0) !== expectedRevision) return null;
    const next: Account = { ...current, ...copy(changes), revision: expectedRevision + 1 };
    this.accounts.set(id, next);
    return copy(next);
  }

  async ensureApiKey(key: ApiKeyRecord) {
    await roundTrip();
    if (this.keys.has(key.hash)) return;
    const stored = copy(key);
    // As the MongoDB insert: a use is recorded by touchApiKey, never on insert.
    delete stored.lastUsedAt;
    if (!stored.expiresAt) delete stored.expiresAt;
    this.keys.set(key.hash, stored);
    this.keysByAccount.set(key.account, key.hash, stored);
  }

  async findApiKey(hash: string) {
    await roundTrip();
    const found = this.keys.get(hash);
    return found ? copy(found) : null;
  }

  async revokeApiKeys(account: string, label: string, keepHash: string) {
    await roundTrip();
    const doomed = [...this.keysByAccount.of(account).values()].filter((k) => k.label === label && k.hash !== keepHash);
    for (const k of doomed) this.removeKey(k);
    return doomed.length;
  }

  async listApiKeys(account: string, limit: number) {
    await roundTrip();
    return [...this.keysByAccount.of(account).values()].slice(0, Math.max(0, limit)).map(copy);
  }

  async deleteApiKey(account: string, hash: string) {
    await roundTrip();
    const key = this.keysByAccount.get(account, hash);
    if (!key) return false;
    this.removeKey(key);
    return true;
  }

  async touchApiKey(hash: string, at: Date) {
    await roundTrip();
    const key = this.keys.get(hash);
    if (key) key.lastUsedAt = new Date(at.getTime()); // the same object is indexed by account too
  }

  async setWebhookSecrets(account: string, secrets: WebhookSecretRecord[]) {
    await roundTrip();
    this.webhookSecrets.set(account, copy(secrets));
  }

  async findWebhookSecrets(account: string) {
    await roundTrip();
    return copy(this.webhookSecrets.get(account) ?? []);
  }

  async findProviderSecret(account: string, provider: string) {
    await roundTrip();
    const found = this.providerSecrets.get(account, provider);
    return found ? copy(found) : null;
  }

  async listProviderSecrets(account: string) {
    await roundTrip();
    return [...this.providerSecrets.of(account).values()].sort((a, b) => (a.provider < b.provider ? -1 : 1)).map(copy);
  }

  async putProviderSecret(record: ProviderSecretRecord, expectedVersion: number) {
    await roundTrip();
    const current = this.providerSecrets.get(record.account, record.provider);
    if ((current?.version ?? 0) !== expectedVersion) return false;
    this.providerSecrets.set(record.account, record.provider, copy(record));
    return true;
  }

  private add(account: Account) {
    this.accounts.set(account.id, copy(account));
    this.ids.splice(firstAfter(this.ids, account.id), 0, account.id);
  }

  private removeKey(key: ApiKeyRecord) {
    this.keys.delete(key.hash);
    this.keysByAccount.delete(key.account, key.hash);
  }
}

/** Index of the first id greater than `id` in a sorted list (binary search). */
function firstAfter(ids: readonly string[], id: string): number {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ids[mid]! <= id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
