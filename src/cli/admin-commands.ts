import { parseArgs } from 'node:util';
import type { AdminAccountsService } from '../services/admin-accounts.service';
import type { ApiKeysService } from '../services/api-keys.service';
import type { WebhookSecretsAdmin } from '../services/webhook-secrets.service';
import { ValidationError } from '../shared/errors';

export const ADMIN_USAGE = `Manage accounts, API keys and webhook signing secrets (the same services as /admin/accounts).

  npm run admin -- accounts create --name NAME [--id ID] [--country CC]
  npm run admin -- accounts list [--limit N] [--cursor ID]
  npm run admin -- accounts get ACCOUNT
  npm run admin -- accounts update ACCOUNT [--name NAME] [--country CC]
  npm run admin -- keys create ACCOUNT --label LABEL [--expires-at ISO]
  npm run admin -- keys list ACCOUNT
  npm run admin -- keys revoke ACCOUNT KEY_ID
  npm run admin -- secrets list ACCOUNT
  npm run admin -- secrets set ACCOUNT PROVIDER [--grace-seconds N]     (reads your secret from stdin)
  npm run admin -- secrets rotate ACCOUNT PROVIDER [--grace-seconds N]  (generates a new secret)

  --country        ISO 3166 alpha-2, for phone numbers without a country code (default DEFAULT_COUNTRY)
  --expires-at     ISO 8601 with offset; the key stops working then
  --grace-seconds  how long the replaced secret still verifies (default 86400; 0 ends it now)

A created key or secret is printed once (JSON on stdout); only the key's hash is stored. Changes
reach running API processes and workers within 5 seconds. Connects with the service's environment:
MONGODB_URI is required (the in-memory store lives inside the service process).
Exit codes: 0 done, 64 bad arguments or configuration, 1 failure (unknown account, conflict, …).`;

export interface AdminCommandServices {
  accounts: AdminAccountsService;
  apiKeys: ApiKeysService;
  webhookSecrets: WebhookSecretsAdmin;
  /** The secret for `secrets set`, read from stdin so it stays out of shell history and `ps`. */
  readSecret(): Promise<string>;
}

const usage = (message: string) => new ValidationError(message);

function positionals(args: string[], names: string[]): string[] {
  if (args.length !== names.length) throw usage(`expected ${names.join(' ') || 'no argument'}, got ${args.length ? args.join(' ') : 'none'}`);
  return args;
}

function integer(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,9}$/.test(value)) throw usage(`--${name} must be a non-negative integer`);
  return Number(value);
}

function instant(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const d = new Date(value);
  if (!/(?:Z|[+-]\d{2}:?\d{2})$/.test(value) || Number.isNaN(d.getTime())) throw usage('--expires-at must be ISO 8601 with an offset, e.g. 2027-01-01T00:00:00Z');
  return d;
}

/** `true` for --help; otherwise what to print as JSON. Throws ValidationError for bad usage. */
export async function runAdminCommand(argv: string[], services: AdminCommandServices): Promise<unknown> {
  const { values, positionals: rest } = parseArgs({
    args: argv,
    options: {
      name: { type: 'string' },
      id: { type: 'string' },
      country: { type: 'string' },
      limit: { type: 'string' },
      cursor: { type: 'string' },
      label: { type: 'string' },
      'expires-at': { type: 'string' },
      'grace-seconds': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help || rest.length === 0) return true;
  const [resource, action, ...args] = rest;
  const command = `${resource} ${action ?? ''}`.trim();

  switch (command) {
    case 'accounts create': {
      positionals(args, []);
      if (values.name === undefined) throw usage('accounts create needs --name');
      return services.accounts.create({ id: values.id, name: values.name, defaultCountry: values.country });
    }
    case 'accounts list':
      positionals(args, []);
      return services.accounts.list({ limit: integer(values.limit, 'limit') ?? 50, cursor: values.cursor });
    case 'accounts get': {
      const [account] = positionals(args, ['ACCOUNT']);
      return services.accounts.get(account!);
    }
    case 'accounts update': {
      const [account] = positionals(args, ['ACCOUNT']);
      if (values.name === undefined && values.country === undefined) throw usage('accounts update needs --name and/or --country');
      return services.accounts.update(account!, { name: values.name, defaultCountry: values.country });
    }
    case 'keys create': {
      const [account] = positionals(args, ['ACCOUNT']);
      if (values.label === undefined) throw usage('keys create needs --label');
      return services.apiKeys.create(account!, { label: values.label, expiresAt: instant(values['expires-at']) });
    }
    case 'keys list': {
      const [account] = positionals(args, ['ACCOUNT']);
      return services.apiKeys.list(account!);
    }
    case 'keys revoke': {
      const [account, keyId] = positionals(args, ['ACCOUNT', 'KEY_ID']);
      await services.apiKeys.revoke(account!, keyId!);
      return { revoked: keyId };
    }
    case 'secrets list': {
      const [account] = positionals(args, ['ACCOUNT']);
      return services.webhookSecrets.list(account!);
    }
    case 'secrets set':
    case 'secrets rotate': {
      const [account, provider] = positionals(args, ['ACCOUNT', 'PROVIDER']);
      const secret = action === 'set' ? (await services.readSecret()).trim() : undefined;
      if (action === 'set' && !secret) throw usage('secrets set reads the secret from stdin: echo -n "$SECRET" | npm run admin -- secrets set …');
      return services.webhookSecrets.set(account!, provider!, { secret, graceSeconds: integer(values['grace-seconds'], 'grace-seconds') });
    }
    default:
      throw usage(`unknown command "${command}"`);
  }
}
