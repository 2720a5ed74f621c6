import type { Account, AccountRepository, ApiKeyRecord, WebhookSecretRecord } from '../account.repository';
import { copy, roundTrip } from './memory-store';

export class MemoryAccountRepository implements AccountRepository {
  private readonly accounts = new Map<string, Account>();
  private readonly keys = new Map<string, ApiKeyRecord>();
  private readonly webhookSecrets = new Map<string, WebhookSecretRecord[]>();

  async ensure(account: Account) {
    await roundTrip();
    if (!this.accounts.has(account.id)) this.accounts.set(account.id, copy(account));
    return copy(this.accounts.get(account.id)!);
  }

  async findById(id: string) {
    await roundTrip();
    const a = this.accounts.get(id);
    return a ? copy(a) : null;
  }

  async ensureApiKey(key: ApiKeyRecord) {
    await roundTrip();
    if (!this.keys.has(key.hash)) this.keys.set(key.hash, copy(key));
  }

  async revokeApiKeys(account: string, label: string, keepHash: string) {
    await roundTrip();
    let n = 0;
    for (const [hash, k] of this.keys) {
      if (k.account === account && k.label === label && hash !== keepHash) {
        this.keys.delete(hash);
        n++;
      }
    }
    return n;
  }

  async findApiKey(hash: string) {
    await roundTrip();
    const k = this.keys.get(hash);
    return k ? copy(k) : null;
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
