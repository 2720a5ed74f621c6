import { Schema, type Connection, type Model } from 'mongoose';

/** `accounts` collection (tenants). `_id` is the account id. */
export interface AccountDoc {
  _id: string;
  name: string;
  defaultCountry: string;
  statuses: string[];
  defaultStatus: string;
  fieldDefinitions?: FieldDefinitionDoc[];
  createdAt: Date;
}

export interface FieldDefinitionDoc {
  key: string;
  type: string;
  label?: string;
  options?: string[];
  setOnce?: boolean;
  sourceNames?: string[];
}

const fieldDefinitionSchema = new Schema<FieldDefinitionDoc>(
  {
    key: { type: String, required: true },
    type: { type: String, required: true, enum: ['text', 'number', 'boolean', 'date', 'email', 'phone', 'single_choice'] },
    label: { type: String },
    options: { type: [String], default: undefined },
    setOnce: { type: Boolean },
    sourceNames: { type: [String], default: undefined },
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
    fieldDefinitions: { type: [fieldDefinitionSchema], default: [] },
    // Set by the caller of ensure() (not a mongoose timestamp): the record is stored as given.
    createdAt: { type: Date, required: true },
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
