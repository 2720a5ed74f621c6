import { Schema, type Connection, type Model } from 'mongoose';

/** `accounts` collection (tenants). `_id` is the account id. */
export interface AccountDoc {
  _id: string;
  name: string;
  defaultCountry: string;
  statuses: string[];
  defaultStatus: string;
  /** Status labels as entries (a key is data, never a field name; see docs/storage.md). */
  statusLabels?: { key: string; label: string }[];
  fieldDefinitions?: FieldDefinitionDoc[];
  createdAt: Date;
  /** Compare-and-set counter of operator changes; absent until the first one. */
  revision?: number;
  hasSuppressions?: boolean;
}

export interface FieldDefinitionDoc {
  key: string;
  type: string;
  label?: string;
  options?: string[];
  setOnce?: boolean;
  sourceNames?: string[];
  archived?: boolean;
}

const fieldDefinitionSchema = new Schema<FieldDefinitionDoc>(
  {
    key: { type: String, required: true },
    type: { type: String, required: true, enum: ['text', 'number', 'boolean', 'date', 'email', 'phone', 'url', 'single_choice'] },
    label: { type: String },
    options: { type: [String], default: undefined },
    setOnce: { type: Boolean },
    sourceNames: { type: [String], default: undefined },
    archived: { type: Boolean },
  },
  { _id: false },
);

export const accountSchema = new Schema<AccountDoc>(
  {
    _id: { type: String, required: true },
    name: { type: String },
    defaultCountry: { type: String },
    statuses: { type: [String], default: [] },
    defaultStatus: { type: String },
    statusLabels: {
      type: [new Schema({ key: { type: String, required: true }, label: { type: String, required: true } }, { _id: false })],
      default: undefined,
    },
    fieldDefinitions: { type: [fieldDefinitionSchema], default: [] },
    // Set by the caller of ensure() (not a mongoose timestamp): the record is stored as given.
    createdAt: { type: Date, required: true },
    revision: { type: Number },
    hasSuppressions: { type: Boolean },
  },
  {
    collection: 'accounts',
    versionKey: false,
    id: false,
    autoIndex: false,
    autoCreate: false,
    strictQuery: 'throw',
  },
);

export type AccountModel = Model<AccountDoc>;

export function accountModel(connection: Connection): AccountModel {
  return (connection.models.Account as AccountModel | undefined) ?? connection.model<AccountDoc>('Account', accountSchema);
}
