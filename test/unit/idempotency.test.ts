import { activityIdFor } from '../../src/jobs/activities.queue';
import { canonicalJson, idempotencyKey } from '../../src/jobs/idempotency';

describe('idempotency keys', () => {
  const raw = Buffer.from('{"a":1}');

  it('keeps the three sources apart, whatever the strings', () => {
    const keys = [
      idempotencyKey({ kind: 'client', key: 'scheduling:evt_1' }),
      idempotencyKey({ kind: 'webhook', provider: 'scheduling', eventId: 'evt_1', rawBody: raw }),
      idempotencyKey({ kind: 'content', value: 'scheduling:evt_1' }),
      idempotencyKey({ kind: 'webhook', provider: 'scheduling', eventId: null, rawBody: raw }),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('keys content by canonical JSON: key order and whitespace do not matter, values do', () => {
    const a = idempotencyKey({ kind: 'content', value: JSON.parse('{ "type": "x", "fields": {"b": 2, "a": [1, {"d": 1, "c": 2}]} }') });
    const b = idempotencyKey({ kind: 'content', value: JSON.parse('{"fields":{"a":[1,{"c":2,"d":1}],"b":2},"type":"x"}') });
    const c = idempotencyKey({ kind: 'content', value: JSON.parse('{"fields":{"a":[{"c":2,"d":1},1],"b":2},"type":"x"}') });
    expect(a).toBe(b);
    expect(a).not.toBe(c); // array order is meaning
  });

  it('canonical JSON is JSON', () => {
    const value = { z: [1, 'two', null, true, { y: 'é"\n' }], a: -0.5 };
    expect(JSON.parse(canonicalJson(value))).toEqual(value);
    expect(canonicalJson(value)).toBe('{"a":-0.5,"z":[1,"two",null,true,{"y":"é\\"\\n"}]}');
  });

  it('ids never change between versions (a redelivery after an upgrade must still be the same activity)', () => {
    // Pinned digests, computed once with createHash('sha256').update(account).update('\\0').update(key).
    expect(activityIdFor('acme', 'client:k1')).toBe('act_a0bf3acccd39f1b3062f83cb2c5f528c');
    expect(idempotencyKey({ kind: 'webhook', provider: 'scheduling', eventId: null, rawBody: raw })).toBe(
      'webhook:scheduling:bytes:015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862',
    );
  });
});
