import express, { type Express } from 'express';
import { IncomingMessage, ServerResponse, createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createExpressHttpServer } from '../../src/api/express-http-server';

/**
 * The API's HTTP server builds requests and responses with the app's prototypes, so Express's
 * per-request Object.setPrototypeOf changes nothing and V8 keeps its optimized shapes. These tests pin that the
 * objects are born that way and that Express behaves exactly as on a stock server.
 */
interface Seen {
  reqProto: object | null;
  resProto: object | null;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function buildApp(): { app: Express; sub: Express; trail: string[] } {
  const app = express();
  const sub = express();
  const trail: string[] = [];
  sub.get('/inner', (req, _res, next) => {
    trail.push(Object.getPrototypeOf(req) === sub.request ? 'sub prototype inside the sub-app' : 'other prototype inside the sub-app');
    next();
  });
  app.use('/sub', sub);
  app.use('/sub', (req, res) => {
    trail.push(Object.getPrototypeOf(req) === app.request ? 'app prototype restored' : 'not restored');
    res.json({ ok: true });
  });
  app.post('/echo', express.json({ limit: '1mb' }), (req, res) => {
    res.status(202).setHeader('X-App', String(req.app === app));
    res.json({ body: req.body, type: req.get('content-type'), isRequest: req instanceof IncomingMessage, isResponse: res instanceof ServerResponse });
  });
  return { app, sub, trail };
}

function watch(server: Server): Seen {
  const seen: Seen = { reqProto: null, resProto: null };
  // Runs before Express's own listener: what node:http built, before Express touched it.
  server.prependListener('request', (req, res) => {
    seen.reqProto = Object.getPrototypeOf(req);
    seen.resProto = Object.getPrototypeOf(res);
  });
  return seen;
}

describe('createExpressHttpServer', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  /** What node:http built for one POST, on a server made by `make` around a fresh app. */
  async function prototypesBuiltBy(make: (app: Express) => Server): Promise<Seen & { app: Express }> {
    const { app } = buildApp();
    const server = make(app);
    servers.push(server);
    const seen = watch(server);
    const url = await listen(server);
    const res = await fetch(`${url}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ a: 1 }) });
    expect(res.status).toBe(202);
    return { ...seen, app };
  }

  it('builds each request and response with the app prototypes before Express sees them', async () => {
    const seen = await prototypesBuiltBy(createExpressHttpServer);
    expect(seen.reqProto).toBe(seen.app.request);
    expect(seen.resProto).toBe(seen.app.response);
  });

  it('is what a stock server is not (so the check above can fail)', async () => {
    const seen = await prototypesBuiltBy((app) => createServer(app));
    expect(seen.reqProto).toBe(IncomingMessage.prototype);
    expect(seen.resProto).toBe(ServerResponse.prototype);
  });

  it('serves Express as usual: body parsing, app reference, node:http classes, large bodies, keep-alive', async () => {
    const { app } = buildApp();
    const server = createExpressHttpServer(app);
    servers.push(server);
    const url = await listen(server);
    const big = { text: 'x'.repeat(300_000) }; // several socket chunks
    for (const body of [{ a: 1 }, big, { b: [true, null] }]) {
      const res = await fetch(`${url}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(res.status).toBe(202);
      expect(res.headers.get('x-app')).toBe('true');
      expect(await res.json()).toEqual({ body, type: 'application/json', isRequest: true, isResponse: true });
    }
    const bad = await fetch(`${url}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":' });
    expect(bad.status).toBe(400);
  });

  it('lets a mounted sub-app swap the prototypes and restores the app ones after it', async () => {
    const { app, trail } = buildApp();
    const server = createExpressHttpServer(app);
    servers.push(server);
    const url = await listen(server);
    const res = await fetch(`${url}/sub/inner`);
    expect(res.status).toBe(200);
    expect(trail).toEqual(['sub prototype inside the sub-app', 'app prototype restored']);
  });
});
