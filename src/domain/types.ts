/**
 * Shapes of the identity domain. Pure data: no Express, BullMQ or mongoose types may appear here,
 * so the rules can be unit- and property-tested without any I/O.
 */

/** A captured value as it arrives on an activity. */
export type FieldValue = string | number | boolean | null;

/** The activity as the domain sees it, after the provider mapping and envelope validation. */
export interface CanonicalActivity {
  /** Stable activity id (derived from the idempotency key). Also the deterministic tie-breaker. */
  id: string;
  type: string;
  source: string;
  occurredAt: Date;
  email: string | null;
  phone: string | null;
  /** ISO 3166 alpha-2 hint for phone parsing. */
  country: string | null;
  fields: Record<string, FieldValue>;
  /** Facts of the activity itself (start time, event type, unmapped answers): recorded, never merged into the contact. */
  details?: Record<string, FieldValue>;
  visitorId: string | null;
  externalId: string | null;
  /**
   * A status key the activity sets (a chatbot's qualification step), applied by event time like a
   * field, and only when the account has it (rule 7). Absent or null: the activity sets none.
   */
  status?: string | null;
}

/** Stable warning codes recorded on the activity (never raw PII in the code itself). */
export type WarningCode =
  | 'email_invalid'
  | 'email_blocked'
  | 'phone_invalid'
  | 'phone_blocked'
  | 'phone_extension_dropped'
  | 'phone_kept_on_other_contact'
  | 'phone_differs_from_contact'
  | 'field_type_mismatch'
  | 'field_empty_ignored'
  | 'field_key_invalid'
  | 'field_mapping_conflict'
  | 'status_unknown';

/** Warnings are strings `code` or `code:detail` (detail never contains the raw identifier). */
export type Warning = string;

export interface IdentityPolicy {
  defaultCountry: string;
  /** Lower-cased normalized emails that never identify anybody. */
  blockedEmails: ReadonlySet<string>;
  /** Local parts (before @) that never identify anybody, e.g. `noreply`. */
  blockedEmailLocalParts: ReadonlySet<string>;
  /** Raw values (case-insensitive, trimmed) that never identify anybody: `null`, `n/a`, … */
  blockedRawValues: ReadonlySet<string>;
}

export interface NormalizedIdentifiers {
  email: string | null;
  /** E.164 */
  phone: string | null;
  /** Kept on the activity; never used for matching. */
  phoneExtension: string | null;
  warnings: Warning[];
}

/** What resolution needs to know about an existing contact. */
export interface CandidateContact {
  id: string;
  email: string | null;
  phone: string | null;
  lastActivityAt: Date;
}

export interface ResolutionCandidates {
  /** The (unique) contact holding the activity's email, if any. */
  byEmail: CandidateContact | null;
  /** Every contact holding the activity's phone. */
  byPhone: CandidateContact[];
}

export type ResolutionDecision =
  | {
      kind: 'use';
      contactId: string;
      /** Set on the contact now (it had none). */
      setEmail: string | null;
      setPhone: string | null;
      warnings: Warning[];
    }
  | { kind: 'create'; email: string | null; phone: string | null; warnings: Warning[] }
  | { kind: 'unidentified'; warnings: Warning[] };

/** `single_choice` is what the API calls `select` (docs/operator-api.md). */
export type FieldType = 'text' | 'number' | 'boolean' | 'date' | 'email' | 'phone' | 'url' | 'single_choice';

export interface FieldDefinition {
  key: string;
  type: FieldType;
  /** For single_choice. */
  options?: readonly string[];
  /** First-touch facts: the earliest event sets it and nothing later changes it. */
  setOnce?: boolean;
  label?: string;
  /**
   * Source field names (as providers and forms send them) that fill this field, e.g.
   * "Company Name" or "company_name" for `company`. Compared ignoring case and separators.
   */
  sourceNames?: readonly string[];
  /**
   * Archived by an operator: no longer typed nor mapped for activities processed afterwards (its
   * source names map to nothing, its key is an untyped custom name again); captured values stay.
   */
  archived?: boolean;
}

/**
 * Per-field provenance: what set the value, when (event time) and by which activity.
 * `value: null` is a tombstone: an operator cleared the field at `setAt`. It takes part in the
 * merge like a value (an older activity cannot bring the value back, a newer one may) and the API
 * does not show it.
 */
export interface CapturedField {
  value: string | number | boolean | null;
  source: string;
  setAt: Date;
  activityId: string;
}

/** The event that set a contact's status (rule 7): the latest (setAt, activityId) wins. */
export interface StatusProvenance {
  setAt: Date;
  activityId: string;
  source: string;
}

export interface RecentActivity {
  activityId: string;
  type: string;
  source: string;
  occurredAt: Date;
}

/** A page view as the contact's bounded list keeps it (the full record lives in page views). */
export interface RecentPageView {
  pageViewId: string;
  url: string;
  title: string | null;
  viewedAt: Date;
}

/** The mutable part of a contact that activities (and stitched page views) change. */
export interface ContactState {
  email: string | null;
  phone: string | null;
  fields: Record<string, CapturedField>;
  recentActivities: RecentActivity[];
  /** Newest first by viewedAt; only page views of one of the contact's visitor ids. */
  recentPageViews: RecentPageView[];
  visitorIds: string[];
  firstSeenAt: Date;
  lastActivityAt: Date;
  /**
   * The status key. Absent: the state does not say (a record keeps the status it has). A stored
   * contact always has one: the account's default when it was created, unless an event set one.
   */
  status?: string;
  /**
   * The event that set `status`; null (or absent) when no event has set one yet: the default is
   * no event, so any status event beats it, whichever arrives first (docs/identity.md "Status").
   */
  statusSet?: StatusProvenance | null;
}

export interface MergeOptions {
  /** Keyed by field key; a key without definition is accepted as untyped text/number/boolean. */
  fieldDefinitions: ReadonlyMap<string, FieldDefinition>;
  recentLimit: number;
  /** Passed to phone-typed field validation. */
  defaultCountry: string;
  /** The account's status keys: an activity's `status` applies only when it is one of them. */
  statuses?: readonly string[];
}

export interface MergeResult {
  state: ContactState;
  warnings: Warning[];
}
