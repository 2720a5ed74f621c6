import { timestampedHexScheme } from './scheme';

/**
 * Calendly (https://developer.calendly.com/api-docs/overview/webhooks/webhook-signatures):
 *   Calendly-Webhook-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(signing key, t + "." + raw body)>
 * The signing key is the one given when the webhook subscription was created (or the OAuth app's).
 */
export const calendlySignature = timestampedHexScheme('Calendly-Webhook-Signature', 'v1');
