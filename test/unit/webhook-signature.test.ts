import { createHmac } from 'node:crypto';
import { computeSignature, signatureHeaderValue, verifySignature } from '../../src/services/webhook-signature';

const body = Buffer.from('{"id":"evt_1", "a": [1, 2]}\n');
const NOW = 1_772_632_800;
const verify = (header: string | undefined, secrets = ['s_current'], rawBody = body, nowSeconds = NOW) =>
  verifySignature({ header, rawBody, secrets, nowSeconds, toleranceSeconds: 300 });

describe('webhook signature', () => {
  it('is HMAC-SHA256(secret, t + "." + raw body) in hex (the documented recipe)', () => {
    const expected = createHmac('sha256', 's_current').update(`${NOW}.${body.toString()}`).digest('hex');
    expect(computeSignature('s_current', NOW, body)).toBe(expected);
    expect(signatureHeaderValue('s_current', NOW, body)).toBe(`t=${NOW},v1=${expected}`);
  });

  it('accepts a valid signature, within the tolerance either way', () => {
    expect(verify(signatureHeaderValue('s_current', NOW, body))).toEqual({ ok: true });
    expect(verify(signatureHeaderValue('s_current', NOW - 300, body))).toEqual({ ok: true });
    expect(verify(signatureHeaderValue('s_current', NOW + 300, body))).toEqual({ ok: true });
  });

  it('rejects missing, malformed, stale, wrong-secret and tampered', () => {
    expect(verify(undefined)).toEqual({ ok: false, reason: 'missing' });
    for (const h of ['', 'v1=abc', `t=${NOW}`, `t=now,v1=${'a'.repeat(64)}`, `t=${NOW},v1=xyz`, 'garbage', `t=${NOW},t=${NOW},v1=${'a'.repeat(64)}`]) {
      expect(verify(h)).toEqual({ ok: false, reason: h === '' ? 'missing' : 'malformed' });
    }
    expect(verify(signatureHeaderValue('s_current', NOW - 301, body))).toEqual({ ok: false, reason: 'stale' });
    expect(verify(signatureHeaderValue('s_current', NOW + 301, body))).toEqual({ ok: false, reason: 'stale' });
    expect(verify(signatureHeaderValue('s_wrong', NOW, body))).toEqual({ ok: false, reason: 'mismatch' });
    const tampered = Buffer.from(body.toString().replace('evt_1', 'evt_2'));
    expect(verify(signatureHeaderValue('s_current', NOW, body), ['s_current'], tampered)).toEqual({ ok: false, reason: 'mismatch' });
    // Re-serialized JSON is not the raw body: whitespace counts.
    const reserialized = Buffer.from(JSON.stringify(JSON.parse(body.toString())));
    expect(verify(signatureHeaderValue('s_current', NOW, body), ['s_current'], reserialized)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verify(signatureHeaderValue('s_current', NOW, body), [])).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('rotation: either active secret verifies, and a header may carry one v1 per secret', () => {
    const secrets = ['s_new', 's_old'];
    expect(verify(signatureHeaderValue('s_old', NOW, body), secrets)).toEqual({ ok: true });
    expect(verify(signatureHeaderValue('s_new', NOW, body), secrets)).toEqual({ ok: true });
    expect(verify(signatureHeaderValue(['s_retired', 's_new'], NOW, body), secrets)).toEqual({ ok: true });
    expect(verify(signatureHeaderValue(['s_retired'], NOW, body), secrets)).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('ignores unknown schemes and spaces so senders can evolve', () => {
    const v1 = computeSignature('s_current', NOW, body);
    expect(verify(` t=${NOW}, v0=whatever, v1=${v1.toUpperCase()} `)).toEqual({ ok: true });
  });
});
