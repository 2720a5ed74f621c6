import type { Account, AccountRepository, ApiKeyRecord, WebhookSecretRecord } from '../account.repository';
import { ByAccount, copy, roundTrip } from './memory-store';

export class MemoryAccountRepository implements AccountRepository {
  private readonly accounts = new Map<string, Account>();
  // Keys by hash (authentication), and by (account, hash) for revoking one account's keys.
  private readonly keys = new Map<string, ApiKeyRecord>();
  private readonly keysByAccount = new ByAccount<ApiKeyRecord>();
  private readonly webhookSecrets = new Map<string, WebhookSecretRecord[]>();

  async ensure(account: Account) {
    await roundTrip();
    if (!this.accounts.has(account.id)) this.accounts.set(account.id, copy(account));
    return copy(this.accounts.get(account.id)!);
  }

  async findById(id: string) {
    await roundTrip();
    const found = this.accounts.get(id);
    return found ? copy(found) : null;
  }

  async ensureApiKey(key: ApiKeyRecord) {
    await roundTrip();
    if (this.keys.has(key.hash)) return;
    const stored = copy(key);
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
    for (const k of doomed) {
      this.keys.delete(k.hash);
      this.keysByAccount.delete(account, k.hash);
    }
    return doomed.length;
  }

  async setWebhookSecrets(account: string, secrets: WebhookSecretRecord[]) {
    await roundTrip();
    this.webhookSecrets.set(account, copy(secrets));
  }

  async findWebhookSecrets(account: string) {
    await roundTrip();
    return copy(this.webhookSecrets.get(account) ?? []);
  }
}
