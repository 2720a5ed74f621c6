import { randomUUID } from 'node:crypto';
import { contactStateOf, normalizeEmail, normalizePhone, type FieldValue, type IdentityPolicy, type MergeOptions } from '../domain';
import { applyEdit, editConflicts, type ContactEdit } from '../domain/contact-edit';
import { matchStatus } from '../domain/contact-status';
import { coerceFieldValue, isEmptyValue, isValidFieldKey } from '../domain/field-merge';
import { activityIdFor } from '../jobs/activities.queue';
import type { Account, ActivityRecord, ContactRecord, Repositories } from '../repositories';
import { AppError, ContentionError, DuplicateIdentifierError, NotFoundError, ValidationError, VersionConflictError, type ValidationIssue } from '../shared/errors';

/** PATCH /v1/contacts/{id}, as the route validated its shape (no unknown keys). */
export interface ContactPatch {
  status?: string;
  /** A value sets the field, null (or a blank string) clears it. */
  fields?: Record<string, FieldValue>;
  email?: string | null;
  phone?: string | null;
}

/** If-Match: `*` (any current version) or the versions named by strong entity tags. */
export type IfMatch = { any: true } | { any: false; versions: number[] };

export interface ContactEditDeps {
  repos: Pick<Repositories, 'contacts' | 'activities' | 'accounts'>;
  identityPolicy(account: Account): IdentityPolicy;
  mergeOptions(account: Account): MergeOptions;
  now?(): Date;
}

export const OPERATOR_SOURCE = 'operator';
export const CONTACT_UPDATED = 'contact.updated';

/** Without If-Match, how often a concurrent worker update is re-read and the edit merged again. */
const MAX_ROUNDS = 10;

/** If-Match named a version the contact no longer has. */
export class PreconditionFailedError extends AppError {
  constructor(version?: number) {
    const now = version === undefined ? '' : ` (its ETag is now "${version}")`;
    super('precondition_failed', `The contact changed since it was read${now}: read it again and repeat the edit`, 412);
  }
}

/**
 * An operator's edit (identity rule 6: an event at the time of the edit). The edit is validated and
 * typed once, then merged into the contact by applyEdit, the same per-field event-time merge the
 * worker uses, and written with the version it read. Without If-Match a version conflict (a worker
 * applied an activity meanwhile) re-reads and merges the same edit again, so neither change is
 * lost; with If-Match it answers 412. Identifiers are replaced as given (normalized like the
 * worker's); another contact holding one answers 409 and nothing changes. Once the contact is
 * written, the edit is recorded in the account's history as a `contact.updated` activity.
 */
export function createContactEdit(deps: ContactEditDeps) {
  const { repos } = deps;
  const now = deps.now ?? (() => new Date());

  return async function editContact(accountId: string, contactId: string, patch: ContactPatch, ifMatch?: IfMatch): Promise<ContactRecord> {
    // Read afresh, not from a cache: a status or field definition created a moment ago must count.
    const account = await repos.accounts.findById(accountId);
    if (!account) throw new NotFoundError('contact');
    const opts = deps.mergeOptions(account);
    const edit = toEdit(account, patch, opts, deps.identityPolicy(account), now());

    for (let round = 0; round < MAX_ROUNDS; round++) {
      const current = await repos.contacts.findById(accountId, contactId);
      if (!current) throw new NotFoundError('contact');
      if (ifMatch && !ifMatch.any && !ifMatch.versions.includes(current.version)) throw new PreconditionFailedError(current.version);

      const state = contactStateOf(current);
      const conflicts = editConflicts(state, edit, opts);
      if (conflicts.setOnce.length > 0) {
        throw new AppError('field_set_once', `Set-once fields keep their earliest value and cannot be changed or cleared: ${conflicts.setOnce.join(', ')}`, 409);
      }
      if (conflicts.overLimit.length > 0) {
        throw new ValidationError('The contact holds as many fields as it may', conflicts.overLimit.map((k) => ({ path: `fields.${k}`, message: 'no room for a new field' })));
      }
      const next = applyEdit(state, edit, opts).state;
      if (!next.email && !next.phone) {
        throw new ValidationError('A contact keeps an email or a phone', [{ path: edit.email === null ? 'email' : 'phone', message: 'cannot remove the last identifier' }]);
      }

      let updated: ContactRecord;
      try {
        updated = await repos.contacts.update(accountId, contactId, current.version, next);
      } catch (err) {
        if (err instanceof VersionConflictError) {
          if (ifMatch && !ifMatch.any) throw new PreconditionFailedError();
          continue; // a worker (or another edit) wrote first: merge into what it wrote
        }
        if (err instanceof DuplicateIdentifierError) {
          throw new AppError('identifier_taken', `Another contact already holds this ${err.identifier}`, 409, { errors: [{ path: err.identifier, message: 'held by another contact' }] });
        }
        throw err;
      }
      await repos.activities.insert(editRecord(accountId, contactId, edit));
      return updated;
    }
    throw new ContentionError(`contact ${contactId} kept changing; try the edit again`);
  };
}

/** Validates and types the patch with the account's statuses, field definitions and identity policy. */
function toEdit(account: Account, patch: ContactPatch, opts: MergeOptions, policy: IdentityPolicy, at: Date): ContactEdit {
  const issues: ValidationIssue[] = [];
  const fields: ContactEdit['fields'] = {};
  for (const [key, raw] of Object.entries(patch.fields ?? {})) {
    if (!isValidFieldKey(key)) {
      issues.push({ path: `fields.${key}`, message: 'not a usable field key' });
      continue;
    }
    if (isEmptyValue(raw)) {
      fields[key] = null;
      continue;
    }
    const definition = opts.fieldDefinitions.get(key);
    const typed = coerceFieldValue(key, raw, definition, null, account.defaultCountry);
    if (typed === null) issues.push({ path: `fields.${key}`, message: `does not fit the field's type (${definition?.type ?? 'text, number or boolean'})` });
    else if (typed.warnings.length > 0) issues.push({ path: `fields.${key}`, message: 'a phone field keeps no extension' });
    else fields[key] = typed.value;
  }

  let status: string | undefined;
  if (patch.status !== undefined) {
    status = matchStatus(patch.status, account.statuses) ?? undefined;
    if (status === undefined) issues.push({ path: 'status', message: `not a status of this account (${account.statuses.join(', ')})` });
  }

  let email: string | null | undefined;
  if (patch.email !== undefined) {
    email = patch.email === null ? null : normalizeEmail(patch.email, policy).email;
    if (patch.email !== null && email === null) issues.push({ path: 'email', message: 'not a usable email address' });
  }
  let phone: string | null | undefined;
  if (patch.phone !== undefined) {
    const normalized = patch.phone === null ? null : normalizePhone(patch.phone, null, policy);
    phone = normalized === null ? null : normalized.phone;
    if (normalized !== null && phone === null) issues.push({ path: 'phone', message: `not a valid phone number (default country ${account.defaultCountry}; use +<country code> otherwise)` });
    else if (normalized?.extension) issues.push({ path: 'phone', message: 'a contact’s phone keeps no extension' });
  }

  if (Object.keys(fields).length + issues.length === 0 && status === undefined && email === undefined && phone === undefined) {
    issues.push({ path: '(body)', message: 'nothing to change: give status, fields, email or phone' });
  }
  if (issues.length > 0) throw new ValidationError('Invalid contact edit', issues);

  return {
    // Random, in the account's id space: edits are not idempotent requests, each one is an event.
    id: activityIdFor(account.id, `operator:${randomUUID()}`),
    type: CONTACT_UPDATED,
    source: OPERATOR_SOURCE,
    at,
    fields,
    ...(status !== undefined ? { status } : {}),
    ...(email !== undefined ? { email } : {}),
    ...(phone !== undefined ? { phone } : {}),
  };
}

/** The edit in the account's history: what it set, as a processed activity of the contact. */
function editRecord(account: string, contactId: string, edit: ContactEdit): ActivityRecord {
  return {
    id: edit.id,
    account,
    type: edit.type,
    source: edit.source,
    occurredAt: edit.at,
    receivedAt: edit.at,
    processedAt: edit.at,
    email: edit.email ?? null,
    phone: edit.phone ?? null,
    phoneExtension: null,
    visitorId: null,
    externalId: null,
    fields: edit.fields,
    outcome: 'processed',
    contactId,
    claim: null,
    warnings: [],
    provider: null,
    payload: undefined,
    ...(edit.status !== undefined ? { status: edit.status } : {}),
  };
}
