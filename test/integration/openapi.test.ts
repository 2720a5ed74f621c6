import { activityStatusSchema, batchResultSchema, contactPageSchema, contactViewSchema, enqueueResultSchema, problemSchema, readinessSchema } from '../../src/api/api-schemas';
import { startTestApp, type TestApp } from '../support/app';
import { startTestRedis } from '../support/redis';

/** The OpenAPI document is generated from the schemas; here real answers are held to them. */
describe('/openapi.json and the answers it describes', () => {
  let redis: Awaited<ReturnType<typeof startTestRedis>>;
  let app: TestApp;

  beforeAll(async () => {
    redis = await startTestRedis();
    app = await startTestApp(redis.url);
  });
  afterAll(async () => {
    await app?.stop();
    await redis?.cleanup();
  });

  it('serves an OpenAPI 3.1 document listing every public route', async () => {
    const res = await app.request('/openapi.json', { auth: null });
    expect(res.status).toBe(200);
    const doc = await res.json();
    expect(doc.openapi).toBe('3.1.0');
    // That it lists every route the app serves, and only those, is openapi-document.test.ts's walk of the router.
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/healthz', '/readyz', '/v1/activities', '/v1/activities/batch', '/v1/activities/{id}', '/v1/contacts', '/v1/contacts/{id}', '/v1/contacts/{id}/activities', '/v1/contacts/{id}/erase', '/v1/contacts/import', '/v1/page-views', '/v1/webhooks/{provider}']),
    );
    const body = doc.paths['/v1/activities'].post.requestBody.content['application/json'].schema;
    expect(body.required).toEqual(expect.arrayContaining(['type', 'occurredAt']));
    expect(body.additionalProperties).toBe(false);
  });

  it('real answers match the documented schemas', async () => {
    const post = await app.request('/v1/activities', { method: 'POST', json: { type: 'x', occurredAt: '2026-11-01T00:00:00Z', email: 'openapi@example.com', fields: { a: 1 } } });
    const accepted = enqueueResultSchema.parse(await post.json());
    const status = activityStatusSchema.parse(await app.settled(accepted.id));
    contactViewSchema.parse(await (await app.request(`/v1/contacts/${status.contactId}`)).json());
    contactPageSchema.parse(await (await app.request('/v1/contacts?limit=5')).json());
    batchResultSchema.parse(await (await app.request('/v1/activities/batch', { method: 'POST', json: { activities: [{ type: 'x', occurredAt: '2026-11-01T00:00:00Z' }, { type: '' }] } })).json());
    problemSchema.parse(await (await app.request('/v1/contacts/nope')).json());
    readinessSchema.parse(await (await app.request('/readyz', { auth: null })).json());
  });
});
