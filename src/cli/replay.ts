import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { ConfigError, parseConfig } from '../config';
import { resolveStore } from '../infra/store';
import { ACTIVITIES_QUEUE, createActivitiesQueue, createJobSealer } from '../jobs/activities.queue';
import { resolvePayloadCipher } from '../infra/payload-key';
import { createRedisConnection } from '../jobs/redis-connection';
import { createReplayService, type ReplayProgress, type ReplayRequest } from '../services/replay.service';
import { AppError, ValidationError } from '../shared/errors';
import { createLogger } from '../shared/logger';
import { withTimeout } from '../shared/timeout';

const USAGE = `Replay failed jobs (and optionally unidentified activities) after a fix.

  npm run replay -- [--reason TEXT] [--since ISO] [--until ISO] [--job-id ID ...]
                    [--queue activities] [--include-unidentified [--account ID]] [--dry-run]

  --reason   case-insensitive substring of the failure reason, e.g. an error code: unknown_account
  --since    only jobs/activities that arrived at or after this time (ISO 8601 with offset)
  --until    only those that arrived before this time
  --job-id   exact ids (repeatable); the other filters still apply
  --dry-run  count what would be replayed, change nothing

Connects with the same environment as the service (REDIS_URL, REDIS_PREFIX, MONGODB_URI).
Prints the result as JSON on stdout; progress goes to stderr.`;

/**
 * `npm run replay`: the same replay service as POST /admin/replay, for replays too large for one
 * HTTP request, run from a shell next to the deployment. A composition root of its own: it only
 * connects what replay needs (Redis always, MongoDB only for --include-unidentified).
 */
async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      reason: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      'job-id': { type: 'string', multiple: true },
      queue: { type: 'string', default: ACTIVITIES_QUEUE },
      'include-unidentified': { type: 'boolean', default: false },
      account: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }

  const config = parseConfig();
  // Logs go to stderr at warn: stdout is the JSON result, for scripts.
  const logger = createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL, { role: 'replay-cli' });
  if (!config.REDIS_URL) throw new ValidationError('REDIS_URL is required: replay must reach the Redis the service uses');

  const request: ReplayRequest = {
    queue: values.queue as ReplayRequest['queue'],
    reason: values.reason,
    since: values.since,
    until: values.until,
    jobIds: values['job-id'],
    dryRun: values['dry-run'],
    includeUnidentified: values['include-unidentified'],
    account: values.account ?? config.BOOTSTRAP_ACCOUNT,
  };

  const connection = createRedisConnection(config.REDIS_URL, 'worker', 'replay-cli');
  connection.on('error', (err) => logger.warn({ err }, 'redis connection error'));
  // Blocking-style connection (retries forever), so wait for it once with a bound instead of
  // letting the first command hang when REDIS_URL is wrong.
  await withTimeout(once(connection, 'ready'), 10_000, `connecting to ${withoutCredentials(config.REDIS_URL)}`);
  const queue = createActivitiesQueue(connection, config.REDIS_PREFIX, { attempts: config.JOB_ATTEMPTS, backoffMs: config.JOB_BACKOFF_MS });
  let store: Awaited<ReturnType<typeof resolveStore>> | null = null;
  try {
    if (request.includeUnidentified) {
      if (config.STORE === 'memory' || !config.MONGODB_URI) {
        throw new ValidationError('--include-unidentified needs MONGODB_URI: the in-memory store lives inside the service process');
      }
      store = await resolveStore(config, logger);
    }
    const replay = createReplayService({
      queues: { [ACTIVITIES_QUEUE]: queue },
      sealer: createJobSealer(resolvePayloadCipher(config, { create: false })),
      activities: store?.repos.activities,
      defaultAccount: config.BOOTSTRAP_ACCOUNT,
    });
    const bar = progressBar(process.stderr);
    const result = await replay.replay(request, bar.update);
    bar.done();
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  } finally {
    await queue.close().catch(() => {});
    connection.disconnect();
    await store?.repos.close().catch(() => {});
    await store?.stop?.().catch(() => {});
  }
}

/**
 * A one-line bar on a TTY, a line every 10% otherwise (CI logs). Small enough that a library
 * (cli-progress) would add more than it saves.
 */
function progressBar(out: NodeJS.WriteStream) {
  let lastPct = -1;
  let drawn = false;
  return {
    update(p: ReplayProgress) {
      const pct = p.total === 0 ? 100 : Math.floor((p.done / p.total) * 100);
      const label = p.phase === 'scan' ? 'scanning failed jobs' : 'replaying';
      if (out.isTTY) {
        const width = 30;
        const filled = Math.round((pct / 100) * width);
        out.write(`\r${label.padEnd(20)} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(pct).padStart(3)}% ${p.done}/${p.total}`);
        drawn = true;
      } else if (Math.floor(pct / 10) !== Math.floor(lastPct / 10) || p.done === p.total) {
        out.write(`${label}: ${p.done}/${p.total} (${pct}%)\n`);
      }
      lastPct = pct;
    },
    done() {
      if (drawn) out.write('\n');
    },
  };
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ConfigError || err instanceof AppError || (err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const issues = err instanceof ValidationError && err.issues.length ? `\n${err.issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n')}` : '';
      process.stderr.write(`replay: ${(err as Error).message}${issues}\n\n${USAGE}\n`);
      process.exit(64); // EX_USAGE
    }
    process.stderr.write(`replay failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);

/** A URL as it may be printed: user and password removed. */
function withoutCredentials(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return '(REDIS_URL)';
  }
}
