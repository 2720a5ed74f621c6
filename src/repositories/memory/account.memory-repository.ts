import type { Account, AccountRepository, ApiKeyRecord } from '../account.repository';
import { copy, roundTrip } from './memory-store';

export class MemoryAccountRepository implements AccountRepository {
  private readonly accounts = new Map<string, Account>();
  private readonly keys = new Map<string, ApiKeyRecord>();

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

  async findApiKey(hash: string) {
    await roundTrip();
    const k = this.keys.get(hash);
    return k ? copy(k) : null;
  }
}
