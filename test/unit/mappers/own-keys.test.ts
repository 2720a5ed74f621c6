import { routeAnswers } from '../../../src/domain/field-mapping';
import { putField, type MappedFieldValue } from '../../../src/services/mappers/mapper';

/** Field names are data: names every object inherits, or "__proto__", are kept like any other. */
describe('field names that objects inherit', () => {
  it.each(['constructor', 'toString', 'hasOwnProperty', 'valueOf'])('putField keeps a field named %s', (name) => {
    const fields: Record<string, MappedFieldValue> = {};
    putField(fields, name, 'kept');
    expect(Object.hasOwn(fields, name)).toBe(true);
    expect(fields[name]).toBe('kept');
  });

  it('routeAnswers keeps "constructor" and "__proto__" as data, never as a prototype', () => {
    const answers = JSON.parse('{"constructor":"a","__proto__":{"polluted":true},"toString":"b"}');
    const { fields, details } = routeAnswers(answers, new Map());
    expect(fields).toEqual({});
    expect(Object.keys(details).sort()).toEqual(['__proto__', 'constructor', 'toString']);
    expect(Object.getPrototypeOf(details)).toBe(Object.prototype);
    expect((details as { polluted?: unknown }).polluted).toBeUndefined();
  });
});
