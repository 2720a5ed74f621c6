import {
  applyActivity,
  decideResolution,
  newContactState,
  normalizeIdentifiers,
  withIdentifiers,
  type CandidateContact,
  type CanonicalActivity,
  type ContactState,
  type IdentityPolicy,
  type MergeOptions,
  type NormalizedIdentifiers,
  type Warning,
} from '../domain';
import type { Account, ActivityOutcome, ActivityRecord, ContactRecord, Repositories } from '../repositories';
import { ContentionError, DuplicateIdentifierError, PermanentJobError, VersionConflictError } from '../shared/errors';
import { newId } from '../shared/ids';
import { toCanonicalActivity } from './canonical-activity';
import { mapProviderPayload } from './mappers';

export interface ProcessActivityInput {
  account: string;
  activityId: string;
  receivedAt: Date;
  payload: unknown;
  /** Set for webhook jobs: the payload is the provider's own shape, mapped here (not at intake). */
  provider?: string | null;
  /**
   * Operator replay of an activity recorded as unidentified (e.g. after a mapping fix): run the
   * use case again and overwrite the record, but only while it is still unidentified.
   */
  reprocess?: boolean;
}

export interface ProcessActivityResult {
  outcome: ActivityOutcome;
  contactId: string | null;
  /** created: a new contact; matched: an existing one; none: unidentified; replay: already recorded. */
  resolution: 'created' | 'matched' | 'none' | 'replay';
  warnings: Warning[];
}

export interface ProcessActivityDeps {
  repos: Repositories;
  identityPolicy(account: Account): IdentityPolicy;
  mergeOptions(account: Account): MergeOptions;
}

/** How many times resolution is retried when another writer wins a race, within one job attempt. */
const MAX_RESOLUTION_ROUNDS = 10;
const PHONE_CANDIDATES = 20;

/**
 * The use case behind the activities worker. Exactly-once by construction:
 *  1. an activity already recorded is a no-op (replays, duplicate deliveries);
 *  2. the contact update is a pure, idempotent merge (same activity twice = once) written with an
 *     optimistic version, and unique identifiers make concurrent creators collide and re-resolve;
 *  3. the activity is inserted last, through its unique key: a crash before it re-runs 2 as a no-op.
 */
export function createProcessActivity(deps: ProcessActivityDeps) {
  const { repos } = deps;

  return async function processActivity(input: ProcessActivityInput): Promise<ProcessActivityResult> {
    const recorded = await repos.activities.findById(input.account, input.activityId);
    const reprocessing = input.reprocess === true && recorded?.outcome === 'unidentified';
    if (recorded && !reprocessing) {
      return { outcome: recorded.outcome, contactId: recorded.contactId, resolution: 'replay', warnings: recorded.warnings };
    }

    const account = await repos.accounts.findById(input.account);
    if (!account) throw new PermanentJobError('unknown_account', `account ${input.account} does not exist`);

    const envelope = input.provider ? mapProviderPayload(input.provider, input.payload) : input.payload;
    const activity = toCanonicalActivity(input.activityId, envelope);
    const ids = normalizeIdentifiers(activity, deps.identityPolicy(account));
    const resolved = await resolveAndApply(account, activity, ids, deps.mergeOptions(account));
    const warnings = [...ids.warnings, ...resolved.warnings];
    const outcome: ActivityOutcome = resolved.contactId ? 'processed' : 'unidentified';

    const record: ActivityRecord = {
      id: activity.id,
      account: account.id,
      type: activity.type,
      source: activity.source,
      occurredAt: activity.occurredAt,
      receivedAt: input.receivedAt,
      processedAt: new Date(),
      email: ids.email,
      phone: ids.phone,
      phoneExtension: ids.phoneExtension,
      visitorId: activity.visitorId,
      externalId: activity.externalId,
      fields: activity.fields,
      outcome,
      contactId: resolved.contactId,
      warnings,
      payload: input.payload,
    };
    // A reprocess overwrites the unidentified record (compare-and-set); a normal run inserts.
    const inserted = reprocessing
      ? (await repos.activities.replaceUnidentified(record)) ? 'inserted' : 'exists'
      : await repos.activities.insert(record);
    if (inserted === 'exists') {
      // Another run of the same job finished first: its record is the truth.
      const winner = await repos.activities.findById(input.account, input.activityId);
      if (winner) return { outcome: winner.outcome, contactId: winner.contactId, resolution: 'replay', warnings: winner.warnings };
    }
    return { outcome, contactId: resolved.contactId, resolution: resolved.resolution, warnings };
  };

  async function resolveAndApply(
    account: Account,
    activity: CanonicalActivity,
    ids: NormalizedIdentifiers,
    mergeOptions: MergeOptions,
  ): Promise<{ contactId: string | null; resolution: ProcessActivityResult['resolution']; warnings: Warning[] }> {
    for (let round = 0; round < MAX_RESOLUTION_ROUNDS; round++) {
      const byEmail = ids.email ? await repos.contacts.findByEmail(account.id, ids.email) : null;
      const byPhone = ids.phone ? await repos.contacts.findByPhone(account.id, ids.phone, PHONE_CANDIDATES) : [];
      const decision = decideResolution(ids, { byEmail: byEmail && toCandidate(byEmail), byPhone: byPhone.map(toCandidate) });

      try {
        switch (decision.kind) {
          case 'unidentified':
            return { contactId: null, resolution: 'none', warnings: decision.warnings };
          case 'create': {
            const { state, warnings } = newContactState(decision.email, decision.phone, activity, mergeOptions);
            const created = await repos.contacts.create({ id: newId('ct'), account: account.id, status: account.defaultStatus, state });
            return { contactId: created.id, resolution: 'created', warnings: [...decision.warnings, ...warnings] };
          }
          case 'use': {
            const current = [byEmail, ...byPhone].find((c) => c?.id === decision.contactId);
            if (!current) throw new Error(`resolution chose ${decision.contactId}, which is not a candidate`);
            const { state, warnings } = applyActivity(
              withIdentifiers(stateOf(current), decision.setEmail, decision.setPhone),
              activity,
              mergeOptions,
            );
            // A replay after a crash finds the merge already applied: no write at all.
            if (!sameState(state, stateOf(current))) {
              await repos.contacts.update(account.id, current.id, current.version, state);
            }
            return { contactId: current.id, resolution: 'matched', warnings: [...decision.warnings, ...warnings] };
          }
        }
      } catch (err) {
        // Another worker created or changed the contact between our read and our write: re-read.
        if (err instanceof DuplicateIdentifierError || err instanceof VersionConflictError) continue;
        throw err;
      }
    }
    throw new ContentionError(`contact resolution did not settle after ${MAX_RESOLUTION_ROUNDS} rounds`);
  }
}

function toCandidate(c: ContactRecord): CandidateContact {
  return { id: c.id, email: c.email, phone: c.phone, lastActivityAt: c.lastActivityAt };
}

function stateOf(c: ContactRecord): ContactState {
  return {
    email: c.email,
    phone: c.phone,
    fields: c.fields,
    recentActivities: c.recentActivities,
    visitorIds: c.visitorIds,
    firstSeenAt: c.firstSeenAt,
    lastActivityAt: c.lastActivityAt,
  };
}

function sameState(a: ContactState, b: ContactState): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
