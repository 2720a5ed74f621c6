import { createField, findField, listFields, updateField, type FieldDefinition, type FieldPatch, type FieldType, type FieldView } from '../domain';
import type { Account, AccountRepository } from '../repositories';
import { NotFoundError } from '../shared/errors';
import { changeAccount } from './account-settings';

/** Field types as the API names them: `select` is the domain's `single_choice`. */
export const API_FIELD_TYPES = ['text', 'number', 'boolean', 'date', 'email', 'phone', 'url', 'select'] as const;
export type ApiFieldType = (typeof API_FIELD_TYPES)[number];

const toDomainType = (t: ApiFieldType): FieldType => (t === 'select' ? 'single_choice' : t);
const toApiType = (t: FieldType): ApiFieldType => (t === 'single_choice' ? 'select' : t);

/** A contact field as the API shows it. */
export interface ContactFieldView {
  key: string;
  label: string;
  type: ApiFieldType;
  options: string[] | null;
  setOnce: boolean;
  sourceNames: string[];
  system: boolean;
  /** email and phone: the contact's identifiers, listed but not configured here. */
  identifier: boolean;
  archived: boolean;
}

export function toFieldView(f: FieldView): ContactFieldView {
  return {
    key: f.key,
    label: f.label ?? f.key,
    type: toApiType(f.type),
    options: f.options ? [...f.options] : null,
    setOnce: f.setOnce === true,
    sourceNames: [...(f.sourceNames ?? [])],
    system: f.system,
    identifier: f.identifier,
    archived: f.archived === true,
  };
}

export interface ContactFieldsDeps {
  accounts: AccountRepository;
  /** This process's caches drop the account at once (the others within their TTL). */
  onAccountChanged?(account: string): void;
}

export interface NewContactField {
  key: string;
  label: string;
  type: ApiFieldType;
  options?: string[] | undefined;
  setOnce?: boolean | undefined;
  sourceNames?: string[] | undefined;
}

/**
 * /v1/contact-fields: the account's contact field definitions (kept on the account document). A
 * change applies to activities processed after it: the worker reads the account through a cache
 * of SETTINGS_CACHE_TTL_MS (5 s); contacts' captured values are never rewritten.
 */
export function createContactFieldsService(deps: ContactFieldsDeps) {
  const { accounts } = deps;

  async function load(account: string): Promise<Account> {
    const a = await accounts.findById(account);
    if (!a) throw new NotFoundError('account');
    return a;
  }

  async function change(account: string, key: string, next: (defs: readonly FieldDefinition[]) => FieldDefinition[]): Promise<ContactFieldView> {
    const view = await changeAccount(accounts, account, (a) => ({
      changes: { fieldDefinitions: next(a.fieldDefinitions) },
      result: (updated) => toFieldView(findField(updated.fieldDefinitions, key)),
    }));
    deps.onAccountChanged?.(account);
    return view;
  }

  return {
    async list(account: string, opts: { includeArchived?: boolean } = {}): Promise<{ data: ContactFieldView[] }> {
      const a = await load(account);
      return { data: listFields(a.fieldDefinitions, opts).map(toFieldView) };
    },

    async get(account: string, key: string): Promise<ContactFieldView> {
      return toFieldView(findField((await load(account)).fieldDefinitions, key));
    },

    async create(account: string, input: NewContactField): Promise<ContactFieldView> {
      return change(account, input.key, (defs) => createField(defs, { ...input, type: toDomainType(input.type) }));
    },

    async update(account: string, key: string, patch: FieldPatch): Promise<ContactFieldView> {
      return change(account, key, (defs) => updateField(defs, key, patch));
    },

    /** Archived fields stay listed with ?includeArchived=true and can be restored with archived: false. */
    async archive(account: string, key: string): Promise<ContactFieldView> {
      return change(account, key, (defs) => updateField(defs, key, { archived: true }));
    },
  };
}

export type ContactFieldsService = ReturnType<typeof createContactFieldsService>;
