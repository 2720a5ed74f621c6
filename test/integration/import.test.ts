import { importResultSchema } from '../../src/api/api-schemas';
import { activityJobCount, startTestApp, type TestApp } from '../support/app';
import { startTestRedis } from '../support/redis';

/** POST /v1/contacts/import (text/csv): rows → contact.imported activities → the normal pipeline. */
let redis: Awaited<ReturnType<typeof startTestRedis>>;
let app: TestApp;

beforeAll(async () => {
  redis = await startTestRedis();
  app = await startTestApp(redis.url, { IMPORT_MAX_ROWS: '5', IMPORT_BODY_LIMIT: '2kb' });
});

afterAll(async () => {
  await app?.stop();
  await redis?.cleanup();
});

async function importCsv(csv: string, contentType = 'text/csv') {
  const res = await app.request('/v1/contacts/import', { method: 'POST', body: csv, headers: { 'content-type': contentType } });
  return { res, body: (await res.json()) as Record<string, any> };
}

async function contactOf(activityId: string) {
  const settled = await app.settled(activityId);
  expect(settled.status).toBe('processed');
  return (await (await app.request(`/v1/contacts/${settled.contactId}`)).json()) as Record<string, any>;
}

describe('POST /v1/contacts/import', () => {
  const file = [
    'Email,Phone,First Name,company_name,Plan',
    'ada@example.com,,Ada,Analytical Engines,pro',
    ',+1 415 555 0199,Grace,"Navy, US",',
    ',,Nobody,Ghost Inc,free',
    'alan@example.com,,Alan',
    '"MARY@example.com ",,"Mary ""Moll""",,team',
  ].join('\r\n');

  it('answers per row; valid rows become contacts through the pipeline, fields mapped by source names', async () => {
    const { res, body } = await importCsv(file);
    expect(res.status).toBe(202);
    const result = importResultSchema.parse(body);
    expect(result.summary).toEqual({ queued: 3, duplicate: 0, error: 2 });
    expect(result.results.map((r) => [r.row, r.status])).toEqual([
      [2, 'queued'],
      [3, 'queued'],
      [4, 'error'],
      [5, 'error'],
      [6, 'queued'],
    ]);
    const [ada, grace, nobody, alan, mary] = result.results as any[];
    expect(nobody.problem).toMatchObject({ code: 'validation_failed', detail: 'The row is invalid', errors: [{ path: 'email', message: 'a row needs an email or a phone' }] });
    expect(alan.problem.errors).toEqual([{ path: 'row', message: 'expected 5 columns, found 3' }]);

    const adaContact = await contactOf(ada.id);
    expect(adaContact).toMatchObject({
      email: 'ada@example.com',
      fields: { firstName: { value: 'Ada', source: 'import' }, company: { value: 'Analytical Engines', source: 'import' }, Plan: { value: 'pro', source: 'import' } },
    });
    expect(adaContact.recentActivities[0]).toMatchObject({ type: 'contact.imported', source: 'import' });
    expect(await contactOf(grace.id)).toMatchObject({ email: null, phone: '+14155550199', fields: { firstName: { value: 'Grace' }, company: { value: 'Navy, US' } } });
    expect(await contactOf(mary.id)).toMatchObject({ email: 'mary@example.com', fields: { firstName: { value: 'Mary "Moll"' }, Plan: { value: 'team' } } });
  });

  it('is idempotent by row content: the same rows again answer duplicate and queue nothing', async () => {
    const jobs = await activityJobCount(app);
    const { body } = await importCsv(file);
    expect(body.summary).toEqual({ queued: 0, duplicate: 3, error: 2 });
    expect(await activityJobCount(app)).toBe(jobs);
    // A changed row is a new activity; the unchanged one stays a duplicate.
    const changed = await importCsv('email,plan\nada@example.com,enterprise\nada@example.com,pro\n');
    expect(changed.body.summary).toEqual({ queued: 2, duplicate: 0, error: 0 });
    const again = await importCsv('email,plan\nada@example.com,enterprise\n');
    expect(again.body.results).toEqual([{ row: 2, id: changed.body.results[0].id, status: 'duplicate' }]);
  });

  it('takes the event time from an occurredAt column, and a bad value fails its row alone', async () => {
    const { body } = await importCsv('email,occurredAt,plan\nold@example.com,2020-01-02T03:04:05Z,legacy\nbad@example.com,yesterday,x\n');
    expect(body.summary).toEqual({ queued: 1, duplicate: 0, error: 1 });
    expect(body.results[1].problem.errors).toEqual([expect.objectContaining({ path: 'occurredAt' })]);
    const contact = await contactOf(body.results[0].id);
    expect(contact.fields.plan).toMatchObject({ value: 'legacy', setAt: '2020-01-02T03:04:05.000Z' });
  });

  it('refuses what is not a usable CSV: 415, 400 with the line, 400 header, 413 rows and bytes', async () => {
    const json = await importCsv('{"email":"a@example.com"}', 'application/json');
    expect(json.res.status).toBe(415);
    expect(json.body).toMatchObject({ code: 'unsupported_media_type' });

    const malformed = await importCsv('email,name\nok@example.com,Ok\n"broken@example.com,Broken\n');
    expect(malformed.res.status).toBe(400);
    expect(malformed.body).toMatchObject({ code: 'malformed_csv', errors: [{ path: 'line 3' }] });
    expect(malformed.body.detail).toMatch(/line 3/);

    const noIdentifier = await importCsv('name,company\nAda,Analytical\n');
    expect(noIdentifier.res.status).toBe(400);
    expect(noIdentifier.body).toMatchObject({ code: 'import_header_invalid', errors: [{ path: 'header', message: 'needs an email or a phone column' }] });
    const badHeader = await importCsv('email,$where,a.b,Email\nx@example.com,1,2,3\n');
    expect(badHeader.body.errors.map((e: { path: string }) => e.path)).toEqual(['header[1]', 'header[2]', 'header[3]']);
    expect((await importCsv('email\n')).body).toMatchObject({ code: 'import_empty' });

    const jobs = await activityJobCount(app);
    const tooMany = await importCsv(['email', ...Array.from({ length: 6 }, (_, i) => `many${i}@example.com`)].join('\n'));
    expect(tooMany.res.status).toBe(413);
    expect(tooMany.body).toMatchObject({ code: 'import_too_large' });
    const tooBig = await importCsv(`email,notes\nbig@example.com,${'x'.repeat(3 * 1024)}\n`);
    expect(tooBig.res.status).toBe(413);
    expect(tooBig.body).toMatchObject({ code: 'payload_too_large' });
    expect(await activityJobCount(app)).toBe(jobs);

    expect((await app.request('/v1/contacts/import', { method: 'POST', body: 'email\na@example.com\n', headers: { 'content-type': 'text/csv' }, auth: null })).status).toBe(401);
  });
});
