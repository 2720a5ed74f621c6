import type { Request, Response } from 'express';
import { addressKey, createAuthThrottle, type FailureCounter } from '../../../src/api/auth-throttle';
import type { Logger } from '../../../src/shared/logger';

const req = (ip: string, authorization?: string) =>
  ({ ip, originalUrl: '/admin/queues?x=1', get: (h: string) => (h.toLowerCase() === 'authorization' ? authorization : undefined) }) as unknown as Request;
const res = () => {
  const headers: Record<string, string> = {};
  const r = { statusCode: 200, setHeader: (k: string, v: string) => void (headers[k.toLowerCase()] = v), status: (s: number) => ((r.statusCode = s), r), type: () => r, send: () => r, headers };
  return r as unknown as Response & { headers: Record<string, string> };
};
const logger = () => {
  const lines: [object, string][] = [];
  return { lines, log: { warn: (o: object, m: string) => void lines.push([o, m]) } as unknown as Logger };
};

describe('createAuthThrottle', () => {
  it('fails open when the counter (Redis) cannot answer, and says so once', async () => {
    const { lines, log } = logger();
    const counter: FailureCounter = { record: () => Promise.reject(new Error('Connection is closed.')) };
    const throttle = createAuthThrottle({ counter, limit: 2, logger: log });
    for (let i = 0; i < 5; i++) await throttle.failed(req('10.0.0.1', 'Basic x'), 'admin');
    expect(throttle.admit(req('10.0.0.1'), res())).toBe(true);
    expect(lines.map(([, m]) => m)).toEqual(['failed-authentication counter unavailable: not limiting until Redis answers']);
  });

  it('blocks for what is left of the window once the limit is reached, then admits again', async () => {
    let t = 1_000_000;
    let count = 0;
    const counter: FailureCounter = { record: async () => ({ count: ++count, resetMs: 60_000 - (t - 1_000_000) }) };
    const throttle = createAuthThrottle({ counter, limit: 3, logger: logger().log, now: () => t });
    await throttle.failed(req('10.0.0.2'), 'webhook');
    await throttle.failed(req('10.0.0.2'), 'webhook');
    expect(throttle.admit(req('10.0.0.2'), res())).toBe(true);
    t += 10_000;
    await throttle.failed(req('10.0.0.2'), 'webhook');
    const r = res();
    expect(throttle.admit(req('10.0.0.2'), r)).toBe(false);
    expect(r.statusCode).toBe(429);
    expect(r.headers['retry-after']).toBe('50');
    expect(throttle.admit(req('10.0.0.3'), res())).toBe(true);
    t += 50_000;
    expect(throttle.admit(req('10.0.0.2'), res())).toBe(true);
  });

  it('counts an attempt only when it carried an Authorization header', async () => {
    const record = jest.fn(async () => ({ count: 1, resetMs: 60_000 }));
    const throttle = createAuthThrottle({ counter: { record }, limit: 3, logger: logger().log });
    await throttle.failedAttempt(req('10.0.0.4'), 'api_key');
    expect(record).not.toHaveBeenCalled();
    await throttle.failedAttempt(req('10.0.0.4', 'Bearer nope'), 'api_key');
    expect(record).toHaveBeenCalledWith('10.0.0.4');
  });
});

describe('addressKey', () => {
  it('is the IPv4 address, also when IPv4-mapped, and the /64 of an IPv6 one', () => {
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('2001:db8:1:2::5')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:0db8:0001:0002:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(addressKey(undefined)).toBe('unknown');
  });
});
