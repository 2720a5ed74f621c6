import { existsSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { activityIdFor, PROCESS_ACTIVITY, type ActivityJobData } from '../../src/jobs/activities.queue';
import { startTestApp, TEST_API_KEY, type TestApp } from '../support/app';
import { startTestRedis } from '../support/redis';
import { waitFor } from '../support/wait';

/**
 * The console in a real browser (Debian's chromium, driven by playwright-core) against the real
 * app, Redis and worker: what a newcomer does after `npm start`. With CONSOLE_SCREENSHOTS=1 it
 * also writes the screenshots the README shows (docs/console-*.png, 1280×800).
 */
const CHROMIUM = '/usr/bin/chromium';
const ADMIN_PASSWORD = 'console e2e admin password';
const SCREENSHOTS = process.env.CONSOLE_SCREENSHOTS === '1';
const docs = path.resolve(__dirname, '../../docs');

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && !process.env.CI) {
  console.warn(`\n⚠ console browser tests SKIPPED: ${CHROMIUM} is missing (apt-get install chromium). With CI set this fails instead.\n`);
}

if (!haveChromium && process.env.CI) {
  describe('the console in a browser', () => {
    it('needs Debian’s chromium at /usr/bin/chromium', () => {
      throw new Error(`${CHROMIUM} is missing: .ci/run installs it (apt-get install --no-install-recommends chromium)`);
    });
  });
}

(haveChromium ? describe : describe.skip)('the console in a browser', () => {
  let redis: Awaited<ReturnType<typeof startTestRedis>>;
  let app: TestApp;
  let browser: Browser;
  let page: Page;
  const failedJob = activityIdFor('ghost', 'e2e-ghost-1');

  const at = (day: number, hour = 9) => new Date(Date.UTC(2026, 10, day, hour)).toISOString();
  const post = async (body: Record<string, unknown>) => {
    const res = await app.request('/v1/activities', { method: 'POST', json: body });
    return app.settled(((await res.json()) as { id: string }).id);
  };
  const shot = async (name: string) => {
    if (!SCREENSHOTS) return;
    // The top of the page, without the last step's announcement.
    await page.evaluate('document.getElementById("status").textContent = ""; window.scrollTo(0, 0)');
    await page.screenshot({ path: path.join(docs, `console-${name}.png`) });
  };

  beforeAll(async () => {
    redis = await startTestRedis();
    app = await startTestApp(redis.url, { ADMIN_PASSWORD });
    const people = [
      { email: 'ada@example.com', phone: '+14155552671', fields: { firstName: 'Ada', lastName: 'Lovelace', company: 'Analytical Engines', jobTitle: 'Analyst' }, visitorId: 'v-ada', day: 20 },
      { email: 'grace@example.com', fields: { firstName: 'Grace', lastName: 'Hopper', company: 'Navy' }, day: 21 },
      { email: 'alan@example.com', fields: { firstName: 'Alan', lastName: 'Turing', company: 'Bletchley' }, day: 22 },
      { email: 'katherine@example.com', phone: '+12025550143', fields: { firstName: 'Katherine', lastName: 'Johnson', company: 'NASA' }, day: 23 },
      { email: 'edsger@example.com', fields: { firstName: 'Edsger', lastName: 'Dijkstra' }, day: 24 },
    ];
    for (const p of people) {
      const { day, ...rest } = p;
      await post({ type: 'booking.created', occurredAt: at(day), source: 'calendar', ...rest });
    }
    await post({ type: 'chat.completed', occurredAt: at(24, 10), source: 'chatbot', email: 'ada@example.com', fields: { company: 'Analytical Engines Ltd' } });
    await app.request('/v1/page-views', { method: 'POST', json: { visitorId: 'v-ada', url: 'https://example.com/pricing', title: 'Pricing', viewedAt: at(24, 11) } });
    await waitFor(async () => ((await findContact('ada@example.com')).recentPageViews.length ? true : undefined), { what: 'the page view on Ada' });
    // One activity that identifies nobody, and one job for an account nobody created (fails: unknown_account).
    await post({ type: 'chat.completed', occurredAt: at(25), source: 'chatbot', email: 'n/a' });
    const ghost: ActivityJobData = { kind: 'activity', account: 'ghost', activityId: failedJob, receivedAt: new Date().toISOString(), payload: { type: 'booking.created', occurredAt: at(25), email: 'casper@example.com' } };
    await app.queue.add(PROCESS_ACTIVITY, app.sealer.seal(ghost), { jobId: failedJob });
    await waitFor(async () => ((await (await app.queue.getJob(failedJob))?.getState()) === 'failed' ? true : undefined), { what: 'the ghost job to fail' });

    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (err) => console.error('page error:', err.message));
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await redis?.cleanup();
  });

  it('signs in with the API key, using the keyboard', async () => {
    await page.goto(`${app.baseUrl}/console`);
    await page.getByRole('heading', { name: 'Sign in to the console' }).waitFor();
    await shot('signin');
    // Wrong key first: the error is shown, nothing else happens.
    await page.getByLabel('API key').fill('cf_wrong_key_0123456789abcdef');
    await page.getByLabel('API key').press('Enter');
    await page.getByRole('alert').filter({ hasText: 'not valid' }).waitFor();
    await page.getByLabel('API key').fill(TEST_API_KEY);
    await page.getByLabel('API key').press('Enter');
    await page.getByRole('heading', { name: 'Contacts', level: 1 }).waitFor();
    expect(page.url()).toMatch(/#\/contacts$/);
    await page.getByRole('link', { name: 'Ada Lovelace' }).waitFor();
    // The page's heading has the focus once it is drawn (keyboard and screen-reader users start there).
    await page.waitForFunction('document.activeElement?.id === "page-title"');
    // Tab goes on to the search box, then through the filters.
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.getAttribute("name")')).toBe('q');
    await shot('contacts');
  });

  it('finds a contact created by posting activities, with search, filters and sort', async () => {
    await page.getByLabel('Search').fill('ada');
    await page.getByLabel('Search').press('Enter');
    await page.getByRole('link', { name: 'Ada Lovelace' }).waitFor();
    expect(await page.getByRole('link', { name: 'Grace Hopper' }).count()).toBe(0);

    await page.getByLabel('Search').fill('zzz-nobody');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByText('No contact matches these filters.').waitFor();

    await page.getByRole('button', { name: 'Clear' }).click();
    await page.getByLabel('Sort by').selectOption('name');
    await page.getByLabel('Captured from').fill('2026-11-21');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/sort=name/);
    await page.getByRole('link', { name: 'Grace Hopper' }).waitFor();
    const names = await page.locator('tbody tr td:first-child a').allTextContents();
    expect(names).toEqual(['Edsger Dijkstra', 'Grace Hopper', 'Katherine Johnson', 'Alan Turing']);
  });

  it('opens the contact: identifiers, captured fields with their source, page views, timeline', async () => {
    await page.goto(`${app.baseUrl}/console#/contacts?q=ada`);
    await page.getByRole('link', { name: 'Ada Lovelace' }).click();
    await page.getByRole('heading', { name: 'Ada Lovelace', level: 1 }).waitFor();
    await page.getByText('+14155552671', { exact: true }).waitFor();
    const company = page.locator('tr', { hasText: 'Company' });
    await expectText(company, 'Analytical Engines Ltd');
    await expectText(company, 'chatbot');
    await page.getByText('https://example.com/pricing').waitFor();
    await page.locator('ul.timeline li', { hasText: 'chat.completed' }).waitFor();
    await page.locator('ul.timeline li', { hasText: 'booking.created' }).waitFor();
  });

  it('changes its status', async () => {
    await page.getByRole('combobox', { name: 'Status', exact: true }).selectOption('qualified');
    await page.getByRole('button', { name: 'Change status' }).click();
    await page.getByRole('status').filter({ hasText: 'Status changed to Qualified' }).waitFor();
    const contact = await findContact('ada@example.com');
    expect(contact.status).toBe('qualified');
  });

  it('edits a field and sees the edit in the timeline', async () => {
    await page.getByRole('button', { name: 'Edit fields' }).click();
    await page.getByLabel('Company', { exact: true }).fill('Initech');
    await page.getByRole('button', { name: 'Save fields' }).click();
    await page.getByRole('status').filter({ hasText: 'Fields saved' }).waitFor();
    await expectText(page.locator('tr', { hasText: 'Company' }), 'Initech');
    const edit = page.locator('ul.timeline li', { hasText: 'contact.updated' }).filter({ hasText: 'Company: Initech' });
    await edit.waitFor();
    expect((await findContact('ada@example.com')).fields.company?.value).toBe('Initech');
    await shot('contact');
  });

  it('deletes it, after a confirmation that says what goes (Escape cancels)', async () => {
    const contact = await findContact('ada@example.com');
    await page.getByRole('button', { name: 'Delete contact…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('Its activities stay in the account’s history, without a contact.').waitFor();
    // The safe choice has the focus; Escape closes without deleting.
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Cancel');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect((await app.request(`/v1/contacts/${contact.id}`)).status).toBe(200);

    await page.getByRole('button', { name: 'Delete contact…' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete contact' }).click();
    await page.getByRole('heading', { name: 'Contacts', level: 1 }).waitFor();
    expect((await app.request(`/v1/contacts/${contact.id}`)).status).toBe(404);
  });

  it('manages contact fields and statuses in Settings', async () => {
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
    await page.getByLabel('Key').fill('seats');
    await page.getByLabel('Label', { exact: true }).first().fill('Seats');
    await page.getByLabel('Type').selectOption('number');
    await page.getByLabel('Source names').fill('Team size, Number of seats');
    await page.getByRole('button', { name: 'Add field' }).click();
    await page.locator('tr', { hasText: 'seats' }).getByText('Team size, Number of seats').waitFor();

    await page.getByRole('button', { name: 'Move Qualified up' }).click();
    await page.getByRole('status').filter({ hasText: 'Order saved' }).waitFor();
    const statuses = (await (await app.request('/v1/contact-statuses')).json()) as { data: { key: string }[] };
    expect(statuses.data.slice(0, 2).map((s) => s.key)).toEqual(['qualified', 'new']);
    await shot('settings');
  });

  it('works at phone width without sideways scrolling', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('link', { name: 'Contacts' }).click();
    await page.getByRole('link', { name: 'Grace Hopper' }).waitFor();
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('signs out, then in as admin: sees the failed activity with its reason and replays it after the fix', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to the console' }).waitFor();
    expect((await page.context().cookies()).find((c) => c.name === 'cf_console')).toBeUndefined();

    await page.getByLabel('Admin password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in as admin' }).click();
    await page.getByRole('heading', { name: 'Pipeline', level: 1 }).waitFor();
    const row = page.locator('tr', { hasText: failedJob });
    await expectText(row, 'unknown_account: account ghost does not exist');
    await expectText(page.locator('.card', { hasText: 'Failed' }), '1');
    await expectText(page.locator('.card', { hasText: 'Unidentified' }), '1');
    await page.locator('tr', { hasText: 'chat.completed' }).filter({ hasText: /email_(invalid|blocked)/ }).waitFor();
    expect(await page.getByRole('link', { name: 'Open Bull Board' }).getAttribute('href')).toBe('/admin/queues');
    await shot('pipeline');

    // The fix: create the account the job named.
    await page.getByRole('link', { name: 'Accounts' }).click();
    await page.getByLabel('Name').fill('Ghost Inc');
    await page.getByLabel('Id (optional)').fill('ghost');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Account Ghost Inc' }).waitFor();

    await page.getByRole('link', { name: 'Pipeline' }).click();
    await page.getByRole('button', { name: `Replay ${failedJob}` }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('heading', { name: 'Replay 1 activity?' }).waitFor(); // the dry run's count
    await dialog.getByText('1 failed job go back to the queue').waitFor();
    await dialog.getByRole('button', { name: 'Replay 1' }).click();
    await page.getByRole('status').filter({ hasText: 'Replayed 1 of 1' }).waitFor();
    await waitFor(async () => ((await (await app.queue.getJob(failedJob))?.getState()) === 'completed' ? true : undefined), { what: 'the replayed job to complete' });
    expect(await app.repos.contacts.findByEmail('ghost', 'casper@example.com')).not.toBeNull();
  });

  it('creates an API key (shown once) and revokes it', async () => {
    await page.getByRole('link', { name: 'Accounts' }).click();
    await page.getByRole('link', { name: app.account, exact: true }).click();
    await page.getByRole('heading', { name: `Account ${app.account}` }).waitFor();
    await page.getByLabel('Label').fill('e2e zapier');
    await page.getByRole('button', { name: 'Create key' }).click();
    const shown = page.locator('#shown-secret');
    await shown.waitFor();
    const key = await shown.inputValue();
    expect(key).toMatch(/^cf_/);
    expect((await app.request('/v1/contacts', { auth: key })).status).toBe(200);
    await page.locator('tr', { hasText: 'e2e zapier' }).waitFor();
    await page.getByRole('button', { name: 'Done, hide it' }).click();
    await expect(shown.count()).resolves.toBe(0);
    await shot('accounts');

    await page.getByRole('button', { name: 'Revoke e2e zapier' }).click();
    await page.getByRole('dialog').getByText('stops working on every API process within 5 seconds').waitFor();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke key' }).click();
    await page.getByRole('status').filter({ hasText: 'Revoked e2e zapier' }).waitFor();
    expect(await page.locator('tr', { hasText: 'e2e zapier' }).count()).toBe(0);
    expect((await app.request('/v1/contacts', { auth: key })).status).toBe(401);
  });

  async function findContact(email: string) {
    const res = await app.request(`/v1/contacts?email=${encodeURIComponent(email)}`);
    const body = (await res.json()) as { data: { id: string; status: string; fields: Record<string, { value: unknown }>; recentPageViews: unknown[] }[] };
    return body.data[0]!;
  }

  async function expectText(locator: ReturnType<Page['locator']>, text: string) {
    await locator.getByText(text, { exact: false }).first().waitFor();
  }
});
