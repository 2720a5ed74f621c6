import { Schema, type Connection, type Model } from 'mongoose';

/** `accounts` collection (tenants). `_id` is the account id. */
export interface AccountDoc {
  _id: string;
  name: string;
  defaultCountry: string;
  statuses: string[];
  defaultStatus: string;
  createdAt: Date;
}

export const accountSchema = new Schema<AccountDoc>(
  {
    _id: { type: String, required: true },
    name: { type: String },
    defaultCountry: { type: String },
    statuses: { type: [String], default: [] },
    defaultStatus: { type: String },
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
