import { validate } from '@readme/openapi-parser';
import type { Express } from 'express';
import { openApiDocument } from '../../src/api/openapi';
import { startTestApp, type TestApp } from '../support/app';
import { startTestRedis } from '../support/redis';

/**
 * The generated OpenAPI document is a valid OpenAPI 3.1 document (schema and the spec's own rules:
 * path parameters declared, unique operation parameters, security schemes well-formed), and it
 * lists exactly the routes the real app serves: walking Express's router finds every route, so a
 * route added without its documentation (or documentation of a route that is gone) fails here.
 */

/** Bull Board's UI and its own JSON API: a third-party page mounted under /admin/queues, not our API. */
const UNDOCUMENTED_PREFIXES = ['/admin/queues'];

interface RouterLayer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: RouterLayer[] };
  rawPath?: string | string[];
}

/** "METHOD /path/{param}" for every route, following mounted routers and their mount paths. */
function servedRoutes(app: Express): string[] {
  const out: string[] = [];
  const walk = (stack: RouterLayer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const p of paths) {
          for (const [method, on] of Object.entries(layer.route.methods)) if (on && method !== '_all') out.push(`${method.toUpperCase()} ${toTemplate(prefix + p)}`);
        }
      } else if (layer.handle?.stack) {
        const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
        walk(layer.handle.stack, prefix + mount);
      }
    }
  };
  walk((app as unknown as { router: { stack: RouterLayer[] } }).router.stack, '');
  return [...new Set(out)].filter((r) => !UNDOCUMENTED_PREFIXES.some((p) => r.split(' ')[1]!.startsWith(p))).sort();
}

const toTemplate = (path: string) => path.replace(/:(\w+)/g, '{$1}');

function documentedRoutes(doc: { paths: Record<string, Record<string, unknown>> }): string[] {
  const methods = new Set(['get', 'put', 'post', 'patch', 'delete', 'head', 'options']);
  return Object.entries(doc.paths)
    .flatMap(([path, item]) => Object.keys(item).filter((m) => methods.has(m)).map((m) => `${m.toUpperCase()} ${path}`))
    .sort();
}

describe('the OpenAPI document', () => {
  let redis: Awaited<ReturnType<typeof startTestRedis>>;
  let app: TestApp;
  let express: Express | undefined;

  beforeAll(async () => {
    redis = await startTestRedis();
    // With the admin credential and a metrics token, so every route the app can serve is mounted.
    app = await startTestApp(redis.url, { ADMIN_PASSWORD: 'openapi test password', METRICS_TOKEN: 'openapi-metrics-token-0123' }, { onApp: (a) => (express = a) });
  });
  afterAll(async () => {
    await app?.stop();
    await redis?.cleanup();
  });

  it('the validator catches what it should (a path parameter left undeclared, a wrong type)', async () => {
    const broken = JSON.parse(JSON.stringify(openApiDocument()));
    broken.paths['/v1/contacts/{id}'].get.parameters = [];
    broken.paths['/healthz'].get.responses = 'none';
    const result = await validate(broken);
    expect(result.valid).toBe(false);
  });

  it('is valid OpenAPI 3.1 (@readme/openapi-parser: the 3.1 schema plus the spec’s rules)', async () => {
    const doc = openApiDocument();
    // validate() dereferences in place: give it a copy, so a failure message can show the original.
    const result = await validate(JSON.parse(JSON.stringify(doc)));
    expect(result.valid ? [] : result.errors.map((e) => e.message)).toEqual([]);
    expect(result.specification).toBe('OpenAPI');
    expect(result.warnings).toEqual([]);
  });

  it('is what GET /openapi.json serves', async () => {
    const res = await app.request('/openapi.json', { auth: null });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
  });

  it('documents every route the app serves, /admin included, and nothing else', async () => {
    expect(express).toBeDefined();
    const served = servedRoutes(express!);
    // The walk itself finds routes of every kind: app-level, routers, routers mounted under /admin.
    expect(served).toEqual(expect.arrayContaining(['POST /v1/activities', 'GET /v1/contacts/{id}', 'POST /admin/replay', 'PUT /admin/accounts/{id}/webhook-secrets/{provider}']));
    expect(documentedRoutes(openApiDocument())).toEqual(served);
  });

  it('every operation says how it authenticates, and every admin operation uses the admin credential (Basic or the console’s admin session)', () => {
    const doc = openApiDocument() as unknown as { paths: Record<string, Record<string, { security?: Record<string, string[]>[] }>> };
    // The console's page and its sign-in are what a browser reaches before it has a credential.
    const open = new Set(['GET /healthz', 'GET /readyz', 'GET /openapi.json', 'GET /console', 'POST /console/session']);
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const name = `${method.toUpperCase()} ${path}`;
        if (open.has(name)) continue;
        expect({ name, secured: (op.security?.length ?? 0) > 0 }).toEqual({ name, secured: true });
        if (path.startsWith('/admin')) expect({ name, security: op.security }).toEqual({ name, security: [{ adminBasic: [] }, { consoleSession: [] }] });
      }
    }
  });
});
