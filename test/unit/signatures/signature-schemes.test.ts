import { createHmac } from 'node:crypto';
import { calcomSignature } from '../../../src/services/signatures/calcom.signature';
import { calendlySignature } from '../../../src/services/signatures/calendly.signature';
import { contactflowSignature } from '../../../src/services/signatures/contactflow.signature';
import { signatureSchemeFor } from '../../../src/services/signatures';
import { oncehubSignature } from '../../../src/services/signatures/oncehub.signature';
import type { SignatureScheme } from '../../../src/services/signatures/scheme';
import { typeformSignature } from '../../../src/services/signatures/typeform.signature';

const body = Buffer.from('{"id":"EVNT-2AB8RJY3LF", "a": [1, 2]}\n');
const NOW = 1_611_144_604;
const hmac = (secret: string, message: string) => createHmac('sha256', secret).update(message);

/** Each provider's recipe, written out as its documentation states it (not through our code). */
const SCHEMES: [string, SignatureScheme, (secret: string, t: number) => string][] = [
  ['oncehub', oncehubSignature, (s, t) => `t=${t},s=${hmac(s, `${t}.${body}`).digest('hex')}`],
  ['calendly', calendlySignature, (s, t) => `t=${t},v1=${hmac(s, `${t}.${body}`).digest('hex')}`],
  ['calcom', calcomSignature, (s) => hmac(s, body.toString()).digest('hex')],
  ['typeform', typeformSignature, (s) => `sha256=${hmac(s, body.toString()).digest('base64')}`],
  ['contactflow', contactflowSignature, (s, t) => `t=${t},v1=${hmac(s, `${t}.${body}`).digest('hex')}`],
];

const verify = (scheme: SignatureScheme, header: string | undefined, secrets = ['s_current'], rawBody = body, nowSeconds = NOW) =>
  scheme.verify({ header, rawBody, secrets, nowSeconds, toleranceSeconds: 300 });

describe.each(SCHEMES)('%s signature', (_name, scheme, documented) => {
  it('signs exactly as the provider documents it', () => {
    expect(scheme.sign('s_current', body, NOW)).toBe(documented('s_current', NOW));
  });

  it('accepts a valid signature with any active secret (rotation), and only with one', () => {
    expect(verify(scheme, documented('s_current', NOW))).toEqual({ ok: true });
    expect(verify(scheme, documented('s_old', NOW), ['s_current', 's_old'])).toEqual({ ok: true });
    expect(verify(scheme, documented('s_wrong', NOW))).toEqual({ ok: false, reason: 'mismatch' });
    expect(verify(scheme, documented('s_current', NOW), [])).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('verifies the raw bytes: a tampered or re-serialized body does not verify', () => {
    const tampered = Buffer.from(body.toString().replace('EVNT-2AB8RJY3LF', 'EVNT-2AB8RJY3LG'));
    expect(verify(scheme, documented('s_current', NOW), ['s_current'], tampered)).toEqual({ ok: false, reason: 'mismatch' });
    const reserialized = Buffer.from(JSON.stringify(JSON.parse(body.toString())));
    expect(verify(scheme, documented('s_current', NOW), ['s_current'], reserialized)).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('refuses a missing or malformed header', () => {
    expect(verify(scheme, undefined)).toEqual({ ok: false, reason: 'missing' });
    expect(verify(scheme, '')).toEqual({ ok: false, reason: 'missing' });
    for (const h of ['garbage', 'sha256=', 't=now,s=abc', 'v1=' + 'a'.repeat(64), 'a'.repeat(63)]) {
      expect(verify(scheme, h)).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  if (scheme.timestamped) {
    it('refuses a timestamp outside the tolerance, either way', () => {
      expect(verify(scheme, documented('s_current', NOW - 300))).toEqual({ ok: true });
      expect(verify(scheme, documented('s_current', NOW + 300))).toEqual({ ok: true });
      expect(verify(scheme, documented('s_current', NOW - 301))).toEqual({ ok: false, reason: 'stale' });
      expect(verify(scheme, documented('s_current', NOW + 301))).toEqual({ ok: false, reason: 'stale' });
    });
  } else {
    it('signs no timestamp: the same header verifies at any time (replays are caught by idempotency)', () => {
      expect(verify(scheme, documented('s_current', NOW), ['s_current'], body, NOW + 86_400)).toEqual({ ok: true });
    });
  }
});

describe('the scheme table', () => {
  it('gives each real provider its own header and every other provider Contactflow-Signature', () => {
    expect(signatureSchemeFor('oncehub').header).toBe('Oncehub-Signature');
    expect(signatureSchemeFor('calendly').header).toBe('Calendly-Webhook-Signature');
    expect(signatureSchemeFor('calcom').header).toBe('X-Cal-Signature-256');
    expect(signatureSchemeFor('typeform').header).toBe('Typeform-Signature');
    for (const generic of ['scheduling', 'chatbot', 'routing-form', 'anything']) expect(signatureSchemeFor(generic)).toBe(contactflowSignature);
  });

  it('OnceHub and Calendly ignore other keys and accept upper-case hex (a provider may add schemes)', () => {
    const s = createHmac('sha256', 'k').update(`${NOW}.`).update(body).digest('hex');
    expect(verify(oncehubSignature, ` t=${NOW}, v0=x, s=${s.toUpperCase()} `, ['k'])).toEqual({ ok: true });
    expect(verify(calendlySignature, `t=${NOW},v0=x,v1=${s}`, ['k'])).toEqual({ ok: true });
    // OnceHub's `s` is not Calendly's `v1`.
    expect(verify(calendlySignature, `t=${NOW},s=${s}`, ['k'])).toEqual({ ok: false, reason: 'malformed' });
  });
});
