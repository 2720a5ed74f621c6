import type { Account, AccountRepository } from '../repositories';
import { AppError, NotFoundError, ValidationError } from '../shared/errors';
import { newId } from '../shared/ids';
import { changeAccount } from './account-settings';
import { newAccount } from './accounts.service';

/** Account ids appear in webhook URLs (`?account=`) and logs: lower-case, URL-safe, short. */
export const ACCOUNT_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;
export const ACCOUNT_NAME_MAX = 100;
const COUNTRY = /^[A-Za-z]{2}$/;

export interface AccountView {
  id: string;
  name: string;
  defaultCountry: string;
  defaultStatus: string;
  createdAt: string;
}

export function toAccountView(a: Account): AccountView {
  return { id: a.id, name: a.name, defaultCountry: a.defaultCountry, defaultStatus: a.defaultStatus, createdAt: a.createdAt.toISOString() };
}

export interface AdminAccountsDeps {
  accounts: AccountRepository;
  /** For accounts created without one (the service's DEFAULT_COUNTRY). */
  defaultCountry: string;
  onAccountChanged?(account: string): void;
}

function checkName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === '' || trimmed.length > ACCOUNT_NAME_MAX || /\p{Cc}/u.test(trimmed)) {
    throw new ValidationError('Invalid account name', [{ path: 'name', message: `1 to ${ACCOUNT_NAME_MAX} characters, no control characters` }]);
  }
  return trimmed;
}

function checkCountry(country: string): string {
  if (!COUNTRY.test(country)) throw new ValidationError('Invalid default country', [{ path: 'defaultCountry', message: 'an ISO 3166 alpha-2 code such as US' }]);
  return country.toUpperCase();
}

/**
 * Tenants, for the admin API and `npm run admin`: create (with the qualification pipeline and the
 * default contact fields), list, read, rename and change the default country (used to parse phone
 * numbers without a country code, for activities processed afterwards).
 */
export function createAdminAccountsService(deps: AdminAccountsDeps) {
  const { accounts } = deps;
  return {
    async create(input: { id?: string | undefined; name: string; defaultCountry?: string | undefined }): Promise<AccountView> {
      const id = input.id ?? newId('acct');
      if (!ACCOUNT_ID.test(id)) throw new ValidationError('Invalid account id', [{ path: 'id', message: 'lower-case letters, digits, _ and -, at most 63' }]);
      const account = newAccount({ id, name: checkName(input.name), defaultCountry: checkCountry(input.defaultCountry ?? deps.defaultCountry) });
      if ((await accounts.insert(account)) === 'exists') throw new AppError('account_exists', `An account with id "${id}" already exists`, 409);
      return toAccountView(account);
    },

    async list(query: { limit: number; cursor?: string | undefined }): Promise<{ data: AccountView[]; nextCursor: string | null }> {
      const page = await accounts.list(query);
      return { data: page.data.map(toAccountView), nextCursor: page.nextCursor };
    },

    async get(id: string): Promise<AccountView> {
      const a = await accounts.findById(id);
      if (!a) throw new NotFoundError('account');
      return toAccountView(a);
    },

    async update(id: string, patch: { name?: string | undefined; defaultCountry?: string | undefined }): Promise<AccountView> {
      const name = patch.name === undefined ? undefined : checkName(patch.name);
      const defaultCountry = patch.defaultCountry === undefined ? undefined : checkCountry(patch.defaultCountry);
      const view = await changeAccount(accounts, id, () => ({
        changes: { ...(name !== undefined ? { name } : {}), ...(defaultCountry !== undefined ? { defaultCountry } : {}) },
        result: toAccountView,
      }));
      deps.onAccountChanged?.(id);
      return view;
    },
  };
}

export type AdminAccountsService = ReturnType<typeof createAdminAccountsService>;
