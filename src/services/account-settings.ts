import type { Account, AccountChanges, AccountRepository } from '../repositories';
import { ContentionError, NotFoundError } from '../shared/errors';

/** Concurrent operator changes to one account settle within this many compare-and-set rounds. */
const MAX_ROUNDS = 5;

/**
 * Read, change, compare-and-set: an operator change (a status, a field, the account's name) is a
 * pure function of the account as stored, written only if nobody changed the account meanwhile,
 * and recomputed from the fresh account otherwise. Two operators adding a status each at the same
 * moment both get theirs; a rule broken by the other's change (a duplicate key) is reported as such.
 * `change` may throw (the rule's error) and returns the changes plus what to answer.
 */
export async function changeAccount<T>(
  accounts: AccountRepository,
  id: string,
  change: (account: Account) => { changes: AccountChanges; result: (updated: Account) => T },
): Promise<T> {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const account = await accounts.findById(id);
    if (!account) throw new NotFoundError('account');
    const { changes, result } = change(account);
    const updated = await accounts.updateSettings(id, account.revision ?? 0, changes);
    if (updated) return result(updated);
  }
  throw new ContentionError(`account ${id} changed concurrently ${MAX_ROUNDS} times; retry`);
}
