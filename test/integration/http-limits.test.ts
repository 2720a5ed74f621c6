import { connect, type Socket } from 'node:net';
import { startTestApp, type TestApp } from '../support/app';
import { startTestRedis } from '../support/redis';

type Redis = Awaited<ReturnType<typeof startTestRedis>>;
let redis: Redis;
let app: TestApp;

beforeAll(async () => {
  redis = await startTestRedis();
  app = await startTestApp(redis.url, { HTTP_HEADERS_TIMEOUT_MS: '1000', HTTP_REQUEST_TIMEOUT_MS: '2000', HTTP_MAX_CONNECTIONS: '3' });
});
afterAll(async () => {
  await app?.stop();
  await redis?.cleanup();
});

function open(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(app.port!, '127.0.0.1', () => resolve(s));
    s.on('error', reject);
  });
}

/** Resolves with what the server sent once it closes the socket, or 'open' after `ms`. */
function closedWithin(s: Socket, ms: number): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    s.on('data', (d) => (got += d.toString()));
    const timer = setTimeout(() => resolve('open'), ms);
    s.on('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
  });
}

describe('slow and numerous clients', () => {
  it('a client that trickles its request head is cut off at the headers timeout', async () => {
    const s = await open();
    s.write('POST /v1/activities HTTP/1.1\r\nHost: x\r\n');
    const trickle = setInterval(() => s.writable && s.write('X-Slow: 1\r\n'), 200);
    const outcome = await closedWithin(s, 5000);
    clearInterval(trickle);
    expect(outcome).not.toBe('open');
    expect(outcome === '' || /^HTTP\/1\.1 408/.test(outcome)).toBe(true);
  });

  it('a client that trickles its body is cut off at the request timeout', async () => {
    const s = await open();
    s.write(`POST /v1/activities HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${app.apiKey}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`);
    const trickle = setInterval(() => s.writable && s.write(' '), 200);
    const outcome = await closedWithin(s, 6000);
    clearInterval(trickle);
    expect(outcome).not.toBe('open');
  });

  it('connections beyond the cap are closed at once, and the service still answers once they go', async () => {
    const held = await Promise.all([open(), open(), open()]);
    await new Promise((r) => setTimeout(r, 100));
    const extra = await open();
    expect(await closedWithin(extra, 2000)).toBe('');
    held.forEach((s) => s.destroy());
    await new Promise((r) => setTimeout(r, 100));
    expect((await app.request('/healthz', { auth: null })).status).toBe(200);
  });
});
