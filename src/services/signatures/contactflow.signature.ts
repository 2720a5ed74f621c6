import { SIGNATURE_HEADER, signatureHeaderValue, verifySignature } from '../webhook-signature';
import type { SignatureScheme } from './scheme';

/** Our own scheme (docs/webhooks.md, "Signature"), for custom sources: Contactflow-Signature: t=…,v1=…[,v1=…]. */
export const contactflowSignature: SignatureScheme = {
  header: SIGNATURE_HEADER,
  format: 't=<unix seconds>,v1=<64 hex digits>',
  timestamped: true,
  verify: (input) => verifySignature(input),
  sign: (secret, rawBody, timestamp) => signatureHeaderValue(secret, timestamp, rawBody),
};
