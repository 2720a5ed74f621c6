import fc from 'fast-check';
import { copy, fromRow, rowWriter } from '../../../src/repositories/memory/memory-store';
import { RowSpace } from '../../../src/repositories/memory/row-space';

/**
 * The in-memory store keeps each record as JSON bytes with Dates tagged (memory-store.ts). What goes
 * in must come out: any JSON a client sent, Dates anywhere, strings that look like the tag, and a
 * fresh object graph on every read.
 */
const space = new RowSpace();
const toRow = <T>(value: T, keys: readonly (keyof T)[]) => rowWriter<T, keyof T>(keys, space)(value);
const roundTrip = <T>(value: T): T => fromRow<T>(space, toRow(value, []));

it('reads back any JSON value and any Dates exactly', () => {
  const record = fc.record({
    // What a client can send, as JSON.parse builds it (-0 is written as 0, as BSON's int32 does).
    payload: fc.jsonValue().map((v) => JSON.parse(JSON.stringify(v)) as unknown),
    at: fc.date({ noInvalidDate: true }),
    list: fc.array(fc.oneof(fc.date({ noInvalidDate: true }), fc.string(), fc.constant(null), fc.integer())),
    nested: fc.dictionary(fc.string(), fc.record({ setAt: fc.date({ noInvalidDate: true }), value: fc.oneof(fc.string(), fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => (Object.is(d, -0) ? 0 : d))) })),
  });
  fc.assert(
    fc.property(record, (r) => {
      expect(roundTrip(r)).toEqual(r);
    }),
    { numRuns: 300 },
  );
});

/** Prefixes every string value of odd length with "\0", at any depth (keys stay as they are). */
function withNulStrings(v: unknown): unknown {
  if (typeof v === 'string') return v.length % 2 === 1 ? '\u0000' + v : v;
  if (Array.isArray(v)) return v.map(withNulStrings);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withNulStrings(x)]));
  return v;
}

it('reads back strings that start with "\0" at any depth, beside parts that hold none', () => {
  const record = fc.record({
    clean: fc.jsonValue().map((v) => JSON.parse(JSON.stringify(v)) as unknown),
    tagged: fc.jsonValue().map((v) => withNulStrings(JSON.parse(JSON.stringify(v)))),
    at: fc.date({ noInvalidDate: true }),
  });
  fc.assert(
    fc.property(record, (r) => {
      expect(roundTrip(r)).toEqual(r);
    }),
    { numRuns: 300 },
  );
});

it('leaves the object it stores untouched', () => {
  const payload = { email: 'a@example.com', fields: { plan: 'pro', tags: ['x', '\u0000y'] }, list: [1, undefined, { at: new Date(7) }] };
  const before = structuredClone(payload);
  const record = { id: 'act_1', payload, createdAt: new Date(3), gone: undefined };
  toRow(record, []);
  expect(payload).toEqual(before);
  expect(record.createdAt).toEqual(new Date(3));
  expect(payload.list[2]).toEqual({ at: new Date(7) });
  expect(Object.keys(record)).toEqual(['id', 'payload', 'createdAt', 'gone']);
});

it('keeps strings that look like its own Date tag as strings', () => {
  const r = { a: '\u0000D1700000000000', b: '\u0000\u0000x', c: '\u0000', d: ['\u0000D5', new Date(5)], e: '2026-01-01T00:00:00.000Z' };
  const back = roundTrip(r);
  expect(back).toEqual(r);
  expect(typeof back.a).toBe('string');
  expect(back.d[1]).toBeInstanceOf(Date);
  expect(typeof back.e).toBe('string');
  const invalid = roundTrip({ at: new Date(NaN) }).at;
  expect(invalid).toBeInstanceOf(Date);
  expect(Number.isNaN(invalid.getTime())).toBe(true);
});

it('keeps an own "__proto__" key as data, never as a prototype', () => {
  const payload = JSON.parse('{"__proto__": {"polluted": true}, "x": {"__proto__": "\\u0000D1"}}') as Record<string, unknown>;
  const back = roundTrip({ payload });
  expect(Object.getPrototypeOf(back.payload)).toBe(Object.prototype);
  expect(Object.keys(back.payload)).toEqual(['__proto__', 'x']);
  expect(Object.getOwnPropertyDescriptor(back.payload, '__proto__')?.value).toEqual({ polluted: true });
  expect(Object.getOwnPropertyDescriptor(back.payload.x as object, '__proto__')?.value).toBe('\u0000D1');
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  // copy() (accounts, and what create/update return) keeps it as data too.
  const copied = copy(payload);
  expect(Object.getPrototypeOf(copied)).toBe(Object.prototype);
  expect(Object.getOwnPropertyDescriptor(copied, '__proto__')?.value).toEqual({ polluted: true });
});

it('returns a fresh graph on every read, with no object shared between two fields', () => {
  const shared = { n: 1 };
  const when = new Date(1);
  const row = toRow({ a: shared, b: shared, at: when, again: when }, []);
  const first = fromRow<{ a: { n: number }; b: { n: number }; at: Date; again: Date }>(space, row);
  expect(first.a).not.toBe(first.b);
  expect(first.at).not.toBe(first.again);
  first.a.n = 2;
  first.at.setTime(99);
  const second = fromRow<typeof first>(space, row);
  expect(second.a.n).toBe(1);
  expect(second.at.getTime()).toBe(1);
  shared.n = 3;
  expect(fromRow<typeof first>(space, row).a.n).toBe(1);
});

it('drops properties set to undefined (as mongoose does) and refuses what is not plain data', () => {
  expect(roundTrip({ a: 1, b: undefined, list: [undefined] })).toEqual({ a: 1, list: [null] });
  expect(Object.keys(roundTrip({ a: 1, b: undefined }))).toEqual(['a']);
  expect(() => toRow({ m: new Map() }, [])).toThrow(/cannot store a Map/);
  expect(() => toRow({ f: () => 1 }, [])).toThrow(/cannot store a function/);
  expect(() => toRow({ n: 1n }, [])).toThrow(/cannot store a bigint/);
});
