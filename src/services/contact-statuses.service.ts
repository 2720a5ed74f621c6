import {
  addStatus,
  hasStatus,
  listStatuses,
  removeStatus,
  renameStatus,
  reorderStatuses,
  setDefaultStatus,
  statusLabelOf,
  type StatusSettings,
  type StatusView,
} from '../domain';
import type { Account, AccountChanges, AccountRepository, ContactRepository } from '../repositories';
import { AppError, NotFoundError, ValidationError } from '../shared/errors';
import { changeAccount } from './account-settings';

export interface ContactStatusesDeps {
  accounts: AccountRepository;
  contacts: ContactRepository;
  /** This process's caches drop the account at once (the others within their TTL). */
  onAccountChanged?(account: string): void;
}

export interface StatusList {
  data: StatusView[];
  defaultStatus: string;
}

const settingsOf = (a: Account): StatusSettings => ({ statuses: a.statuses, labels: a.statusLabels ?? {}, defaultStatus: a.defaultStatus });

/** Only what differs, so a rename never rewrites the order and a reorder never the labels. */
function changesOf(before: StatusSettings, after: StatusSettings): AccountChanges {
  return {
    ...(after.statuses !== before.statuses ? { statuses: [...after.statuses] } : {}),
    ...(after.labels !== before.labels ? { statusLabels: { ...after.labels } } : {}),
    ...(after.defaultStatus !== before.defaultStatus ? { defaultStatus: after.defaultStatus } : {}),
  };
}

const viewOf = (a: Account, key: string): StatusView => ({ key, label: statusLabelOf(settingsOf(a), key), isDefault: a.defaultStatus === key });

/**
 * /v1/contact-statuses: the account's ordered statuses with one default (identity rule 7). Keys are
 * fixed once created, so contacts (which store the key) never change when a status is renamed or
 * moved; deleting one that contacts hold needs `replaceWith`, which moves them first.
 */
export function createContactStatusesService(deps: ContactStatusesDeps) {
  const { accounts, contacts } = deps;

  async function update<T>(account: string, change: (s: StatusSettings) => StatusSettings, answer: (a: Account) => T): Promise<T> {
    const result = await changeAccount(accounts, account, (a) => {
      const before = settingsOf(a);
      return { changes: changesOf(before, change(before)), result: answer };
    });
    deps.onAccountChanged?.(account);
    return result;
  }

  async function load(account: string): Promise<Account> {
    const a = await accounts.findById(account);
    if (!a) throw new NotFoundError('account');
    return a;
  }

  return {
    async list(account: string): Promise<StatusList> {
      const a = await load(account);
      return { data: listStatuses(settingsOf(a)), defaultStatus: a.defaultStatus };
    },

    async get(account: string, key: string): Promise<StatusView> {
      const a = await load(account);
      if (!hasStatus(a, key)) throw new NotFoundError('status');
      return viewOf(a, key);
    },

    async create(account: string, input: { key?: string | undefined; label: string; isDefault?: boolean | undefined }): Promise<StatusView> {
      let key = '';
      return update(
        account,
        (s) => {
          const added = addStatus(s, input);
          key = added.key;
          return input.isDefault ? setDefaultStatus(added.settings, key) : added.settings;
        },
        (a) => viewOf(a, key),
      );
    },

    /** Rename and/or make it the default (the one default: the previous one stops being it). */
    async update(account: string, key: string, patch: { label?: string | undefined; isDefault?: true | undefined }): Promise<StatusView> {
      return update(
        account,
        (s) => {
          let next = s;
          if (!hasStatus(s, key)) throw new NotFoundError('status');
          if (patch.label !== undefined) next = renameStatus(next, key, patch.label);
          if (patch.isDefault) next = setDefaultStatus(next, key);
          return next;
        },
        (a) => viewOf(a, key),
      );
    },

    async reorder(account: string, keys: readonly string[]): Promise<StatusList> {
      return update(
        account,
        (s) => reorderStatuses(s, keys),
        (a) => ({ data: listStatuses(settingsOf(a)), defaultStatus: a.defaultStatus }),
      );
    },

    /**
     * Deletes a status nobody holds, or, with `replaceWith`, moves its contacts to that status
     * first. The move comes before the status leaves the account, so a failure half way leaves a
     * status that still exists and a DELETE that can simply be repeated.
     */
    async remove(account: string, key: string, replaceWith?: string): Promise<{ deleted: string; moved: number }> {
      const a = await load(account);
      removeStatus(settingsOf(a), key); // the rules first (exists, not the default): nothing moves in vain
      let moved = 0;
      if (replaceWith !== undefined) {
        if (replaceWith === key) throw new ValidationError('replaceWith must be another status', [{ path: 'replaceWith', message: 'same as the deleted status' }]);
        if (!hasStatus(a, replaceWith)) throw new ValidationError('replaceWith names no status of this account', [{ path: 'replaceWith', message: 'unknown status' }]);
        moved = await contacts.replaceStatus(account, key, replaceWith);
      } else {
        const inUse = await contacts.countByStatus(account, key);
        if (inUse > 0) {
          throw new AppError('status_in_use', `${inUse} contact(s) hold the status "${key}": pass replaceWith=<status> to move them`, 409, { contacts: inUse });
        }
      }
      await update(
        account,
        (s) => {
          if (replaceWith !== undefined && !hasStatus(s, replaceWith)) throw new NotFoundError('replaceWith status');
          return removeStatus(s, key);
        },
        () => undefined,
      );
      return { deleted: key, moved };
    },
  };
}

export type ContactStatusesService = ReturnType<typeof createContactStatusesService>;
