import { runAdminCommand, type AdminCommandServices } from '../../../src/cli/admin-commands';
import { createMemoryRepositories } from '../../../src/repositories/memory';
import { createApiKeyAuthenticator } from '../../../src/services/accounts.service';
import { createAdminAccountsService } from '../../../src/services/admin-accounts.service';
import { createApiKeysService } from '../../../src/services/api-keys.service';
import { createWebhookSecretCache, createWebhookSecretsAdmin } from '../../../src/services/webhook-secrets.service';

/** `npm run admin` parses and dispatches here; src/cli/admin.ts only connects the store around it. */
describe('npm run admin: commands', () => {
  function setup(stdin = '') {
    const repos = createMemoryRepositories();
    const services: AdminCommandServices = {
      accounts: createAdminAccountsService({ accounts: repos.accounts, defaultCountry: 'US' }),
      apiKeys: createApiKeysService({ accounts: repos.accounts }),
      webhookSecrets: createWebhookSecretsAdmin({ accounts: repos.accounts }),
      readSecret: async () => stdin,
    };
    const run = (line: string) => runAdminCommand(line.split(' ').filter(Boolean), services);
    return { repos, run };
  }

  it('accounts create, list, get, update', async () => {
    const { run } = setup();
    expect(await run('accounts create --name Acme --id acme --country gb')).toMatchObject({ id: 'acme', name: 'Acme', defaultCountry: 'GB', defaultStatus: 'new' });
    await run('accounts create --name Beta --id beta');
    expect(await run('accounts list --limit 1')).toMatchObject({ data: [{ id: 'acme' }], nextCursor: 'acme' });
    expect(await run('accounts list --cursor acme')).toMatchObject({ data: [{ id: 'beta' }], nextCursor: null });
    expect(await run('accounts update acme --name Acme2 --country de')).toMatchObject({ name: 'Acme2', defaultCountry: 'DE' });
    expect(await run('accounts get acme')).toMatchObject({ name: 'Acme2' });
  });

  it('keys create (printed once, works), list (no secret), revoke', async () => {
    const { repos, run } = setup();
    await run('accounts create --name Acme --id acme');
    const created = (await run('keys create acme --label ci --expires-at 2999-01-01T00:00:00Z')) as { id: string; key: string };
    expect(created).toMatchObject({ label: 'ci', expiresAt: '2999-01-01T00:00:00.000Z' });
    expect(await createApiKeyAuthenticator(repos.accounts).authenticate(created.key)).toBe('acme');
    const listed = await run('keys list acme');
    expect(JSON.stringify(listed)).not.toContain(created.key);
    expect(listed).toMatchObject({ data: [{ id: created.id, label: 'ci' }] });
    expect(await run(`keys revoke acme ${created.id}`)).toEqual({ revoked: created.id });
    expect(await createApiKeyAuthenticator(repos.accounts).authenticate(created.key)).toBeNull();
  });

  it('secrets set (from stdin), rotate (generated), list', async () => {
    const { repos, run } = setup('my-own-secret-0123456789abcdef\n');
    await run('accounts create --name Acme --id acme');
    expect(await run('secrets set acme chatbot --grace-seconds 0')).toMatchObject({ provider: 'chatbot', secret: 'my-own-secret-0123456789abcdef', previousExpiresAt: null });
    const rotated = (await run('secrets rotate acme chatbot')) as { secret: string; previousExpiresAt: string };
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.previousExpiresAt).not.toBeNull();
    expect(await createWebhookSecretCache(repos.accounts).secretsFor('acme', 'chatbot')).toEqual([rotated.secret, 'my-own-secret-0123456789abcdef']);
    expect(await run('secrets list acme')).toMatchObject({ data: expect.arrayContaining([{ provider: 'chatbot', source: 'provider', createdAt: expect.any(String), rotatedAt: expect.any(String), previousExpiresAt: expect.any(String) }]) });
  });

  it('--help, and usage errors for what it cannot run', async () => {
    const { run } = setup();
    expect(await run('--help')).toBe(true);
    expect(await run('')).toBe(true);
    await expect(run('accounts create')).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(run('accounts frobnicate')).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(run('keys revoke acme')).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(run('keys create acme --label x --expires-at tomorrow')).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(run('secrets set acme chatbot')).rejects.toMatchObject({ code: 'validation_failed' }); // empty stdin
    await expect(run('accounts list --limit many')).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(run('accounts list --bogus')).rejects.toMatchObject({ code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION' });
    await expect(run('keys list nobody')).rejects.toMatchObject({ code: 'not_found' });
  });
});
