import { timestampedHexScheme } from './scheme';

/**
 * OnceHub (https://developers.oncehub.com/docs/webhook-signatures):
 *   Oncehub-Signature: t=<unix seconds>,s=<hex HMAC-SHA256(secret, t + "." + raw body)>
 * The secret is the webhook's own ("View secret" in OnceHub's Webhook & API integration settings).
 */
export const oncehubSignature = timestampedHexScheme('Oncehub-Signature', 's');
