import {
  applyActivity,
  contactStateOf,
  decideResolution,
  isUsableVisitorId,
  newContactState,
  normalizeIdentifiers,
  sameContactState,
  withIdentifiers,
  type CandidateContact,
  type CanonicalActivity,
  type IdentityPolicy,
  type MergeOptions,
  type NormalizedIdentifiers,
  type ResolutionDecision,
  type SuppressionHasher,
  type Warning,
} from '../domain';
import type { Account, ActivityOutcome, ActivityRecord, ContactRecord, Repositories, ResolutionClaim } from '../repositories';
import { ContentionError, DuplicateIdentifierError, PermanentJobError, VersionConflictError } from '../shared/errors';
import { newId } from '../shared/ids';
import { toCanonicalActivity } from './canonical-activity';
import { mapProviderPayloadWithinLimits } from './mappers';
import { stitchPageViews } from './page-view-attach';

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
  outcome: 'processed' | 'unidentified' | 'suppressed';
  contactId: string | null;
  /** created: a new contact; matched: an existing one; none: unidentified or suppressed; replay: already recorded. */
  resolution: 'created' | 'matched' | 'none' | 'replay';
  warnings: Warning[];
}

export interface ProcessActivityDeps {
  repos: Repositories;
  /** Account look-up; the composition root passes a short-lived cache (one store read per job saved). */
  findAccount?(id: string): Promise<Account | null>;
  identityPolicy(account: Account): IdentityPolicy;
  mergeOptions(account: Account): MergeOptions;
  /**
   * Hashes identifiers for the suppression check (GDPR erase with suppression). Without it no
   * activity is ever suppressed: the composition root always passes it.
   */
  suppression?: SuppressionHasher;
}

/** How many times a step is retried when another writer wins a race, within one job attempt. */
const MAX_ROUNDS = 10;
/**
 * Rules 2 and 3 need at most two holders of a phone: its email-less holder (findByPhone puts it
 * first) and the most recently active one. Reading two keeps a switchboard number, shared by
 * thousands of contacts, as cheap as a phone of one.
 */
const PHONE_CANDIDATES = 2;

type Expected = { outcome: ActivityOutcome; contactId: string | null };
type ApplyOutcome = { kind: 'applied'; warnings: Warning[] } | { kind: 'conflict' } | { kind: 'stale' };

/**
 * The use case behind the activities worker. Exactly once, whatever crashes or races:
 *  1. A recorded (processed / unidentified / suppressed) activity is final: running the job again
 *     changes nothing (the claim's insert finds the record and the run returns what it says).
 *  2. The decision comes first and is persisted: the activity is inserted as `pending` with the
 *     contact it belongs to (the claim), through its unique (account, id) key. A retry, a stalled
 *     job or a twin run reads the claim and finishes the same decision instead of deciding anew,
 *     so one activity can never land on two contacts.
 *  3. The contact update is a pure, idempotent merge written with an optimistic version; unique
 *     identifiers make concurrent creators collide. Applying a claim twice equals applying it once.
 *  4. The pending record becomes final by compare-and-set: exactly one run finishes it.
 * A claim that cannot be applied (its new contact's email was taken meanwhile, or its contact was
 * deleted) has changed no contact, so it is safely replaced by a fresh decision.
 * Suppression (GDPR erase) is checked with every fresh decision: an activity carrying a suppressed
 * identifier is recorded `suppressed`, without PII, instead of a claim, and touches no contact.
 */
export function createProcessActivity(deps: ProcessActivityDeps) {
  const { repos } = deps;

  return async function processActivity(input: ProcessActivityInput): Promise<ProcessActivityResult> {
    // Only a reprocess reads the record first. Otherwise the claim's insert finds out whether this
    // activity was seen before (it answers "exists"), which spares a read for every new activity.
    let recorded = input.reprocess === true ? await repos.activities.findById(input.account, input.activityId) : null;
    const reprocess = input.reprocess === true && recorded?.outcome === 'unidentified';
    if (recorded && isFinal(recorded) && !reprocess) return replayOf(recorded);

    const account = await (deps.findAccount ?? ((id: string) => repos.accounts.findById(id)))(input.account);
    if (!account) throw new PermanentJobError('unknown_account', `account ${input.account} does not exist`);

    const mergeOptions = deps.mergeOptions(account);
    // A provider's answers go to the contact when one of the account's contact fields claims them,
    // else they stay on the activity (details).
    const mapped = input.provider
      ? mapProviderPayloadWithinLimits(input.provider, input.payload, mergeOptions.fieldDefinitions)
      : { envelope: input.payload, warnings: [] };
    const activity = toCanonicalActivity(input.activityId, mapped.envelope);
    const normalized = normalizeIdentifiers(activity, deps.identityPolicy(account));
    const ids = mapped.warnings.length === 0 ? normalized : { ...normalized, warnings: [...mapped.warnings, ...normalized.warnings] };
    const base = baseRecord(account.id, activity, ids, input);
    // Suppression: the keyed hashes of the normalized identifiers, looked up with the contacts in decide().
    // Only an account that has suppressed somebody is checked (the flag is set before any hash).
    const suppressionHashes = deps.suppression && account.hasSuppressions ? deps.suppression.hashes(account.id, ids).map((h) => h.hash) : [];

    let decideAgain = false;
    // What a fresh decision already knows about its contact (read just before, or "a new id: absent"),
    // so applying it costs no second read. Null: read it (a stored claim, or after a conflict).
    let prefetched: { contact: ContactRecord | null } | null = null;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      let claim: ResolutionClaim;
      if (recorded?.outcome === 'pending' && recorded.claim && !decideAgain) {
        claim = recorded.claim;
      } else {
        decideAgain = false;
        const { decision, read, suppressed } = await decide(account, ids, suppressionHashes);
        const record: ActivityRecord = suppressed
          ? suppressedRecord(base)
          : decision.kind === 'unidentified'
            ? { outcome: 'unidentified', contactId: null, claim: null, warnings: [...ids.warnings, ...decision.warnings], processedAt: new Date(), ...base }
            : pendingRecord(base, toClaim(decision));
        if (!(await store(record, recorded))) {
          // Another run of this job stored its record first: follow it.
          recorded = await repos.activities.findById(input.account, input.activityId);
          if (recorded && isFinal(recorded)) return replayOf(recorded);
          continue;
        }
        if (record.outcome === 'suppressed') return { outcome: 'suppressed', contactId: null, resolution: 'none', warnings: [] };
        if (!record.claim) return { outcome: 'unidentified', contactId: null, resolution: 'none', warnings: record.warnings };
        recorded = record;
        claim = record.claim;
        const contactId = claim.contactId;
        prefetched = { contact: claim.create ? null : (read.find((c) => c.id === contactId) ?? null) };
      }

      const applied = await applyClaim(account, activity, claim, mergeOptions, prefetched);
      prefetched = null;
      if (applied.kind === 'conflict') continue;
      if (applied.kind === 'stale') {
        decideAgain = true;
        continue;
      }

      // Before the record is final, so a crash here re-runs it. On every run, not only when the
      // visitor id is new to the contact: a re-run after a crash finds it already there.
      if (isUsableVisitorId(activity.visitorId)) {
        await stitchPageViews(repos, account.id, claim.contactId, activity.visitorId, mergeOptions.recentLimit);
      }

      const warnings = [...ids.warnings, ...claim.warnings, ...applied.warnings];
      const final: ActivityRecord = { outcome: 'processed', contactId: claim.contactId, claim: null, warnings, processedAt: new Date(), ...base };
      if (await repos.activities.replaceIf(final, { outcome: 'pending', contactId: claim.contactId })) {
        return { outcome: 'processed', contactId: claim.contactId, resolution: claim.create ? 'created' : 'matched', warnings };
      }
      recorded = await repos.activities.findById(input.account, input.activityId);
      if (recorded && isFinal(recorded)) return replayOf(recorded);
    }
    throw new ContentionError(`activity ${input.activityId} did not settle after ${MAX_ROUNDS} rounds`);
  };

  /** Inserts the first record of this activity, or replaces the one we read (compare-and-set). */
  async function store(record: ActivityRecord, current: ActivityRecord | null): Promise<boolean> {
    if (!current) return (await repos.activities.insert(record)) === 'inserted';
    return repos.activities.replaceIf(record, expectedOf(current));
  }

  async function decide(
    account: Account,
    ids: NormalizedIdentifiers,
    suppressionHashes: readonly string[],
  ): Promise<{ decision: ResolutionDecision; read: ContactRecord[]; suppressed: boolean }> {
    // All look-ups at once: one round trip of waiting. The suppression check rides along with the
    // contact look-ups (one more operation, no more waiting), and only for an identified activity.
    const [byEmail, byPhone, suppressedHashes] = await Promise.all([
      ids.email ? repos.contacts.findByEmail(account.id, ids.email) : null,
      ids.phone ? repos.contacts.findByPhone(account.id, ids.phone, PHONE_CANDIDATES) : [],
      suppressionHashes.length > 0 ? repos.suppressions.findAny(account.id, suppressionHashes) : [],
    ]);
    const decision = decideResolution(ids, { byEmail: byEmail && toCandidate(byEmail), byPhone: byPhone.map(toCandidate) });
    return { decision, read: byEmail ? [byEmail, ...byPhone] : byPhone, suppressed: suppressedHashes.length > 0 };
  }

  /** Makes the contact reflect the activity. Idempotent: a claim already applied writes nothing. */
  async function applyClaim(
    account: Account,
    activity: CanonicalActivity,
    claim: ResolutionClaim,
    mergeOptions: MergeOptions,
    prefetched: { contact: ContactRecord | null } | null,
  ): Promise<ApplyOutcome> {
    // A prefetched contact that changed since it was read makes the versioned update (or the create)
    // report a conflict, and the next round reads it afresh.
    const current = prefetched ? prefetched.contact : await repos.contacts.findById(account.id, claim.contactId);
    try {
      if (!current) {
        if (!claim.create) return { kind: 'stale' }; // the contact was deleted meanwhile
        const { state, warnings } = newContactState(claim.setEmail, claim.setPhone, activity, mergeOptions);
        // The default status unless the creating activity set one (rule 7).
        await repos.contacts.create({ id: claim.contactId, account: account.id, status: state.status ?? account.defaultStatus, state });
        return { kind: 'applied', warnings };
      }
      const { state, warnings } = applyActivity(withIdentifiers(contactStateOf(current), claim.setEmail, claim.setPhone), activity, mergeOptions);
      if (!sameContactState(state, contactStateOf(current))) await repos.contacts.update(account.id, current.id, current.version, state);
      return { kind: 'applied', warnings };
    } catch (err) {
      // Same id: a twin run created it first; apply to it next round. A changed version: re-read.
      if (err instanceof VersionConflictError || (err instanceof DuplicateIdentifierError && err.identifier === 'id')) return { kind: 'conflict' };
      // Its email (or phone-only slot) was taken by another contact meanwhile: nothing was applied.
      if (err instanceof DuplicateIdentifierError) return { kind: 'stale' };
      throw err;
    }
  }
}

function isFinal(r: ActivityRecord): boolean {
  return r.outcome === 'processed' || r.outcome === 'unidentified' || r.outcome === 'suppressed';
}

function replayOf(r: ActivityRecord): ProcessActivityResult {
  const outcome = r.outcome === 'unidentified' || r.outcome === 'suppressed' ? r.outcome : 'processed';
  return { outcome, contactId: r.contactId, resolution: 'replay', warnings: r.warnings };
}

/**
 * An activity of a suppressed person (identity rule 8): what happened and when, nothing that
 * identifies or describes the person: no identifiers, visitor or external id, fields or payload.
 */
function suppressedRecord(base: BaseRecord): ActivityRecord {
  return {
    ...base,
    email: null,
    phone: null,
    phoneExtension: null,
    visitorId: null,
    externalId: null,
    fields: {},
    details: {},
    payload: undefined,
    outcome: 'suppressed',
    contactId: null,
    claim: null,
    warnings: [],
    processedAt: new Date(),
  };
}

function expectedOf(r: ActivityRecord): Expected {
  return { outcome: r.outcome, contactId: r.contactId };
}

function pendingRecord(base: BaseRecord, claim: ResolutionClaim): ActivityRecord {
  return { outcome: 'pending', contactId: claim.contactId, claim, warnings: [], processedAt: new Date(), ...base };
}

function toClaim(decision: Exclude<ResolutionDecision, { kind: 'unidentified' }>): ResolutionClaim {
  if (decision.kind === 'create') {
    return { contactId: newId('ct'), create: true, setEmail: decision.email, setPhone: decision.phone, warnings: decision.warnings };
  }
  return { contactId: decision.contactId, create: false, setEmail: decision.setEmail, setPhone: decision.setPhone, warnings: decision.warnings };
}

/** What every record of this activity shares; the type leaves out the keys each record sets itself. */
type BaseRecord = Omit<ActivityRecord, 'outcome' | 'contactId' | 'claim' | 'warnings' | 'processedAt'>;

function baseRecord(account: string, activity: CanonicalActivity, ids: NormalizedIdentifiers, input: ProcessActivityInput): BaseRecord {
  return {
    id: activity.id,
    account,
    type: activity.type,
    source: activity.source,
    occurredAt: activity.occurredAt,
    receivedAt: input.receivedAt,
    email: ids.email,
    phone: ids.phone,
    phoneExtension: ids.phoneExtension,
    visitorId: activity.visitorId,
    externalId: activity.externalId,
    fields: activity.fields,
    details: activity.details ?? {},
    payload: input.payload,
    provider: input.provider ?? null,
    ...(activity.status ? { status: activity.status } : {}),
  };
}

function toCandidate(c: ContactRecord): CandidateContact {
  return { id: c.id, email: c.email, phone: c.phone, lastActivityAt: c.lastActivityAt };
}


