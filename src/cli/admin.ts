import { ConfigError, parseConfig } from '../config';
import { resolveStore } from '../infra/store';
import { createAdminAccountsService } from '../services/admin-accounts.service';
import { createApiKeysService } from '../services/api-keys.service';
import { createWebhookSecretsAdmin } from '../services/webhook-secrets.service';
import { AppError, ValidationError } from '../shared/errors';
import { createLogger } from '../shared/logger';
import { ADMIN_USAGE, runAdminCommand } from './admin-commands';

/**
 * `npm run admin -- …`: the admin API's accounts, keys and secrets from a shell next to the
 * deployment (the first account and key before anyone has a credential, scripts). A composition
 * root of its own: it connects the store only. Running processes see its changes within their
 * cache TTL (5 s); nothing here can reach their caches directly.
 */
async function main(argv: string[]): Promise<number> {
  // --help needs no environment at all.
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${ADMIN_USAGE}\n`);
    return 0;
  }
  const config = parseConfig();
  const logger = createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL, { role: 'admin-cli' });
  if (config.STORE === 'memory' || !config.MONGODB_URI) {
    throw new ValidationError('MONGODB_URI is required: the in-memory store lives inside the service process (use the HTTP admin API there)');
  }
  const store = await resolveStore(config, logger);
  try {
    const { accounts } = store.repos;
    const result = await runAdminCommand(argv, {
      accounts: createAdminAccountsService({ accounts, defaultCountry: config.DEFAULT_COUNTRY }),
      apiKeys: createApiKeysService({ accounts }),
      webhookSecrets: createWebhookSecretsAdmin({ accounts }),
      readSecret: readStdin,
    });
    process.stdout.write(result === true ? `${ADMIN_USAGE}\n` : `${JSON.stringify(result, null, 2)}\n`);
    return 0;
  } finally {
    await store.repos.close().catch(() => {});
    await store.stop?.().catch(() => {});
  }
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('secret (end with Ctrl-D): ');
  let data = '';
  for await (const chunk of process.stdin) {
    data += chunk;
    if (data.length > 4096) break;
  }
  return data;
}

const isUsageError = (err: unknown) =>
  err instanceof ConfigError || err instanceof ValidationError || (typeof (err as { code?: unknown }).code === 'string' && (err as { code: string }).code.startsWith('ERR_PARSE_ARGS'));

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (isUsageError(err)) {
      const issues = err instanceof ValidationError && err.issues.length ? `\n${err.issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n')}` : '';
      process.stderr.write(`admin: ${(err as Error).message}${issues}\n\n${ADMIN_USAGE}\n`);
      process.exit(64); // EX_USAGE
    }
    if (err instanceof AppError && err.status < 500) {
      process.stderr.write(`admin: ${err.code}: ${err.message}\n`);
      process.exit(1);
    }
    process.stderr.write(`admin failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
