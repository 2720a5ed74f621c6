import { Schema, type Connection, type Model } from 'mongoose';

/**
 * `webhooksecrets` collection: one document per account (`_id` is the account id) holding its
 * active signing secrets, so a rotation (current + previous) is one atomic document write.
 */
export interface WebhookSecretsDoc {
  _id: string;
  secrets: { secret: string; label: string; createdAt: Date }[];
  updatedAt: Date;
}

export const webhookSecretsSchema = new Schema<WebhookSecretsDoc>(
  {
    _id: { type: String, required: true },
    secrets: {
      type: [new Schema({ secret: { type: String, required: true }, label: { type: String }, createdAt: { type: Date, required: true } }, { _id: false })],
      default: [],
    },
    updatedAt: { type: Date, required: true },
  },
  {
    collection: 'webhooksecrets',
    versionKey: false,
    id: false,
    autoIndex: false,
    autoCreate: false,
    strictQuery: 'throw',
  },
);

export type WebhookSecretsModel = Model<WebhookSecretsDoc>;

export function webhookSecretsModel(connection: Connection): WebhookSecretsModel {
  return (
    (connection.models.WebhookSecrets as WebhookSecretsModel | undefined) ??
    connection.model<WebhookSecretsDoc>('WebhookSecrets', webhookSecretsSchema)
  );
}
