import { calcomSignature } from './calcom.signature';
import { calendlySignature } from './calendly.signature';
import { contactflowSignature } from './contactflow.signature';
import { oncehubSignature } from './oncehub.signature';
import type { SignatureScheme } from './scheme';
import { typeformSignature } from './typeform.signature';

export type { SchemeInput, SignatureFailure, SignatureScheme, VerifyResult } from './scheme';

/**
 * Each real provider signs the way its documentation says; every other provider (the generic
 * `scheduling`, `chatbot`, `routing-form` shapes for custom sources) uses ours.
 */
const SCHEMES: ReadonlyMap<string, SignatureScheme> = new Map([
  ['oncehub', oncehubSignature],
  ['calendly', calendlySignature],
  ['calcom', calcomSignature],
  ['typeform', typeformSignature],
]);

export function signatureSchemeFor(provider: string): SignatureScheme {
  return SCHEMES.get(provider) ?? contactflowSignature;
}
