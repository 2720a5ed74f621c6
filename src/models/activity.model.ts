import { Schema, type Connection, type Model } from 'mongoose';
import type { ActivityOutcome } from '../repositories/activity.repository';

/**
 * `activities` collection: the engagement history, one document per accepted activity.
 *
 * Activity ids are unique per account, not globally (two tenants may send the same provider event
 * id or the same body hash), so `_id` is the compound key `activityKey(account, id)` and the `_id`
 * index itself makes the insert idempotent per (account, id). The plain id is kept in `activityId`.
 */
export function activityKey(account: string, id: string): string {
  // The account part is URI-encoded so it never contains ':': the key is unambiguous for any
  // account and id (account "a:b" + id "c" and account "a" + id "b:c" give different keys).
  return `${encodeURIComponent(account)}:${id}`;
}

export interface FieldEntryDoc {
  key: string;
  value: string | number | boolean | null;
}

export interface ActivityDoc {
  _id: string;
  activityId: string;
  account: string;
  type: string;
  source: string;
  occurredAt: Date;
  receivedAt: Date;
  processedAt: Date;
  email: string | null;
  phone: string | null;
  phoneExtension: string | null;
  visitorId: string | null;
  externalId: string | null;
  /** Captured values as entries: keys are user data, never BSON field names. */
  fields: FieldEntryDoc[];
  /** Activity-only details, as entries like fields; absent when the activity carries none. */
  details?: FieldEntryDoc[];
  outcome: ActivityOutcome;
  contactId: string | null;
  claim: ResolutionClaimDoc | null;
  warnings: string[];
  provider: string | null;
  /** The status the activity carried (an operator's edit: the status key it set); absent when none. */
  status?: string | null;
  /** The raw payload as JSON text: byte-for-byte what was received, whatever its keys ('$', '.'). */
  payloadJson?: string;
}

export interface ResolutionClaimDoc {
  contactId: string;
  create: boolean;
  setEmail: string | null;
  setPhone: string | null;
  warnings: string[];
}

const claimSchema = new Schema<ResolutionClaimDoc>(
  {
    contactId: { type: String, required: true },
    create: { type: Boolean, required: true },
    setEmail: { type: String, default: null },
    setPhone: { type: String, default: null },
    warnings: { type: [String], default: [] },
  },
  { _id: false },
);

const fieldEntrySchema = new Schema<FieldEntryDoc>(
  { key: { type: String }, value: { type: Schema.Types.Mixed } },
  { _id: false },
);

export const activitySchema = new Schema<ActivityDoc>(
  {
    _id: { type: String, required: true },
    activityId: { type: String, required: true },
    account: { type: String, required: true },
    type: { type: String },
    source: { type: String },
    occurredAt: { type: Date, required: true },
    receivedAt: { type: Date },
    processedAt: { type: Date },
    email: { type: String, default: null },
    phone: { type: String, default: null },
    phoneExtension: { type: String, default: null },
    visitorId: { type: String, default: null },
    externalId: { type: String, default: null },
    fields: { type: [fieldEntrySchema], default: [] },
    // No default: a record without details stays without them (reads equal what was written).
    details: { type: [fieldEntrySchema], default: undefined },
    outcome: { type: String, enum: ['pending', 'processed', 'unidentified', 'suppressed'], required: true },
    contactId: { type: String, default: null },
    claim: { type: claimSchema, default: null },
    warnings: { type: [String], default: [] },
    provider: { type: String, default: null },
    status: { type: String },
    payloadJson: { type: String },
  },
  {
    collection: 'activities',
    versionKey: false,
    id: false,
    autoIndex: false,
    autoCreate: false,
    strictQuery: 'throw',
  },
);

export const ACTIVITY_INDEX = {
  contactHistory: 'activities_account_contact_occurredAt',
  accountOutcomeId: 'activities_account_outcome_id',
  // A contact's timeline filtered by type (GET /v1/contacts/{id}/activities?type=).
  contactTypeHistory: 'activities_account_contact_type_occurredAt_id',
} as const;

// listForContact (newest first, _id desc = id desc as tie-breaker within one account) and
// deleteForContact.
activitySchema.index({ account: 1, contactId: 1, occurredAt: -1, _id: -1 }, { name: ACTIVITY_INDEX.contactHistory });
// listUnidentified (equality on account and outcome, then _id order and the `_id > after` cursor,
// all from the index) and count(account) / count(account, { outcome }).
activitySchema.index({ account: 1, outcome: 1, _id: 1 }, { name: ACTIVITY_INDEX.accountOutcomeId });
// listTimeline with a type: equality on (account, contactId, type), then newest first and the
// keyset cursor from the index. Without a type, contactHistory above serves it.
activitySchema.index({ account: 1, contactId: 1, type: 1, occurredAt: -1, _id: -1 }, { name: ACTIVITY_INDEX.contactTypeHistory });

export type ActivityModel = Model<ActivityDoc>;

export function activityModel(connection: Connection): ActivityModel {
  return (connection.models.Activity as ActivityModel | undefined) ?? connection.model<ActivityDoc>('Activity', activitySchema);
}
