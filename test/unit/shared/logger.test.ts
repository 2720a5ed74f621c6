import { Writable } from 'node:stream';
import pino from 'pino';
import { serializeError } from '../../../src/shared/logger';

describe('error serialization in logs', () => {
  it('keeps type, code, masked message and stack, and nothing the error carries besides', () => {
    const err = Object.assign(new Error('E11000 duplicate key error dup key: { email: "ada@example.com" }'), {
      code: 11000,
      keyValue: { email: 'ada@example.com' },
      errorResponse: { errmsg: 'ada@example.com' },
      cause: Object.assign(new Error('phone +1 415 555 2671 refused'), { values: ['+14155552671'] }),
    });
    const out = serializeError(err) as Record<string, unknown>;
    expect(Object.keys(out).sort()).toEqual(['cause', 'code', 'message', 'stack', 'type']);
    expect(out).toMatchObject({ type: 'Error', code: 11000 });
    expect(JSON.stringify(out)).not.toMatch(/ada@example\\.com|555 2671|14155552671/);
  });

  it('as the err serializer of pino, keeps the document of a driver error out of the log line', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _e, cb) => void (lines.push(String(chunk)), cb()) });
    const logger = pino({ serializers: { err: serializeError } }, sink);
    logger.error({ err: Object.assign(new Error('x'), { keyValue: { email: 'grace@navy.example' } }) }, 'boom');
    expect(lines.join('')).not.toMatch(/grace@navy/);
  });
});
