import { isIP } from 'node:net';
import { z } from 'zod';
import { MIN_SUPPRESSION_KEY_LENGTH } from './domain/suppression';
import { decodePayloadKey } from './jobs/payload-cipher';
import { appDatabaseProblem, DEFAULT_TIMEOUTS, parseMongoUri } from './repositories/mongo/connection-options';

/**
 * The only place that reads process.env. Parsed once at start; a bad value stops the process with
 * every offending variable named, instead of failing later in some request.
 */
const countryCode = z
  .string()
  .regex(/^[A-Za-z]{2}$/, 'must be an ISO 3166 alpha-2 code such as US')
  .transform((s) => s.toUpperCase());

const optionalString = z
  .string()
  .optional()
  .transform((s) => (s === undefined || s.trim() === '' ? undefined : s));

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const port = z.coerce.number().int().min(0).max(65535);

/** The shortest ADMIN_PASSWORD production accepts, and how many different characters it needs. */
export const MIN_ADMIN_PASSWORD_LENGTH = 16;
export const MIN_ADMIN_PASSWORD_DISTINCT = 6;

/**
 * Express's `trust proxy`: a hop count, or a comma-separated list of proxy addresses / CIDRs /
 * `loopback`, `linklocal`, `uniquelocal`. Never `true`: any client could then name its own address.
 */
const trustProxy = optionalString.pipe(
  z
    .string()
    .transform((s, ctx): number | string[] => {
      if (/^\d+$/.test(s.trim())) return Number(s.trim());
      const entries = s.split(',').map((e) => e.trim());
      const named = new Set(['loopback', 'linklocal', 'uniquelocal']);
      for (const e of entries) {
        const [address, bits] = e.split('/');
        if (named.has(e) || (isIP(address ?? '') && (bits === undefined || /^\d{1,3}$/.test(bits)))) continue;
        ctx.addIssue({ code: 'custom', message: 'a hop count, or proxy addresses / CIDRs / loopback, linklocal, uniquelocal separated by commas' });
        return z.NEVER;
      }
      return entries;
    })
    .optional(),
);

/** Parsed the way the driver parses it (see connection-options.ts); the value stays the string given. */
const mongoUri = z.string().superRefine((uri, ctx) => {
  const parsed = parseMongoUri(uri);
  const problem = parsed.ok ? appDatabaseProblem(parsed.value.database) : parsed.reason;
  // `input: undefined`: the issue must not carry the URI (it holds the password) anywhere.
  if (problem) ctx.addIssue({ code: 'custom', message: `not a usable MongoDB connection string: ${problem}`, input: undefined });
});

const payloadKey = z.string().refine((s) => decodePayloadKey(s) !== null, {
  message: 'must be 32 bytes written as base64 (openssl rand -base64 32) or 64 hex digits',
});

export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: port.default(3000),
  HOST: z.string().default('0.0.0.0'),
  /** Set: /admin and /metrics are served on this port only (ADMIN_HOST, default HOST), not on PORT. */
  ADMIN_PORT: optionalString.pipe(z.coerce.number<string | undefined>().int().min(0).max(65535).optional()),
  ADMIN_HOST: optionalString,
  /** Which X-Forwarded-For hops to believe for the client address (req.ip); unset: the socket's peer. */
  TRUST_PROXY: trustProxy,
  ROLE: z.enum(['all', 'api', 'worker']).default('all'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** auto: human-readable in a development terminal, JSON everywhere else. */
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  REDIS_URL: optionalString.pipe(z.url({ protocol: /^rediss?$/ }).optional()),
  REDIS_PREFIX: z
    .string()
    .regex(/^\{[A-Za-z0-9_-]+\}$/, 'must be a Redis Cluster hash tag such as {contactflow}')
    .default('{contactflow}'),
  /**
   * Any URI the MongoDB driver accepts (replica-set host lists, mongodb+srv, options); the database
   * is the one in its path, else `contactflow`. A refusal never repeats the URI or its password.
   */
  MONGODB_URI: optionalString.pipe(mongoUri.optional()),
  /** How long an operation waits for a primary; rides out an election (median under 12 s by default). */
  MONGODB_SERVER_SELECTION_TIMEOUT_MS: positiveInt(DEFAULT_TIMEOUTS.serverSelectionTimeoutMS),
  /**
   * Bound on one MongoDB operation: the server stops a query after it (maxTimeMS), a majority write
   * stops waiting for replication after it (wtimeoutMS), and the driver gives up on a connection
   * that stays silent for it plus 5 s (socketTimeoutMS). The error is transient: the job retries.
   */
  MONGODB_OPERATION_TIMEOUT_MS: positiveInt(DEFAULT_TIMEOUTS.operationTimeoutMS),
  /** auto: MONGODB_URI, else embedded mongod, else in-memory. memory: skip MongoDB entirely. */
  STORE: z.enum(['auto', 'mongodb', 'memory']).default('auto'),
  DATA_DIR: z.string().default('.data'),
  BOOTSTRAP_API_KEY: optionalString.pipe(z.string().min(24, 'must be at least 24 characters').optional()),
  BOOTSTRAP_ACCOUNT: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lower-case letters, digits, _ and -').default('default'),
  /**
   * Enables /admin (Bull Board, replay) with HTTP Basic user "admin". Unset: generated under DATA_DIR
   * in development, admin routes off elsewhere. Production refuses a weak one (parseConfig).
   */
  ADMIN_PASSWORD: optionalString,
  /** Failed authentications (API key, admin, metrics, webhook signature) per client address and minute; past it 429. */
  AUTH_FAILURES_PER_MINUTE: positiveInt(30),
  /** Bearer token for GET /metrics (a scraper needs no admin rights); the admin credential works too. */
  METRICS_TOKEN: optionalString.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  /**
   * Bytes the finished jobs may hold in Redis, per state, on top of their age and count bounds;
   * the oldest go first. Checked every RETENTION_INTERVAL_MS by one worker process.
   */
  COMPLETED_JOBS_MAX_MB: z.coerce.number().positive().default(256),
  FAILED_JOBS_MAX_MB: z.coerce.number().positive().default(256),
  RETENTION_INTERVAL_MS: positiveInt(60_000),
  /** Backpressure: intake answers 503 + Retry-After while more jobs than this are waiting. */
  MAX_QUEUE_DEPTH: positiveInt(100_000),
  /**
   * What a 202 promises (src/jobs/accept-durability.ts): `written` (in Redis, on disk within about a
   * second with appendfsync everysec) or `fsynced` (on disk before the 202: WAITAOF on Redis 7.2+,
   * else Redis must run with appendfsync always). A 202 that cannot be made durable in time is a 503.
   */
  ACCEPT_DURABILITY: z.enum(['written', 'fsynced']).default('written'),
  ACCEPT_DURABILITY_TIMEOUT_MS: positiveInt(2000),
  /** The share of MAX_QUEUE_DEPTH one account's unfinished activities may take; beyond it only that account gets 503. */
  ACCOUNT_QUEUE_SHARE: z.coerce.number().gt(0).max(1).default(0.5),
  /** Intake answers 503 once Redis uses this fraction of its maxmemory (no effect without maxmemory). */
  REDIS_MEMORY_HIGH_WATER: z.coerce.number().gt(0).max(1).default(0.8),
  DEFAULT_COUNTRY: countryCode.default('US'),
  WORKER_CONCURRENCY: positiveInt(20),
  RECENT_LIMIT: positiveInt(20),
  JOB_ATTEMPTS: positiveInt(8),
  /** First retry delay; doubles with each attempt. */
  JOB_BACKOFF_MS: positiveInt(1000),
  /** A job whose worker stops renewing its lock this long is "stalled" and handed to another worker. */
  WORKER_LOCK_MS: positiveInt(30_000),
  WORKER_STALLED_INTERVAL_MS: positiveInt(30_000),
  SHUTDOWN_TIMEOUT_MS: positiveInt(10_000),
  /** Slow clients: the request head must arrive within the first, the whole request within the second. */
  HTTP_HEADERS_TIMEOUT_MS: positiveInt(10_000),
  HTTP_REQUEST_TIMEOUT_MS: positiveInt(30_000),
  /** Open connections per process; more are closed at once (a load balancer in front spreads them). */
  HTTP_MAX_CONNECTIONS: positiveInt(10_000),
  BODY_LIMIT: z.string().default('256kb'),
  /** POST /v1/activities/batch: items per request and the body size that allows. */
  BATCH_MAX: positiveInt(500),
  BATCH_BODY_LIMIT: z.string().default('5mb'),
  /** POST /v1/webhooks/:provider body size (chat transcripts run larger than one activity). */
  WEBHOOK_BODY_LIMIT: z.string().default('512kb'),
  /** Signing secret of the bootstrap account's webhooks; generated per start outside production. */
  WEBHOOK_SECRET: optionalString.pipe(z.string().min(24, 'must be at least 24 characters').optional()),
  /** The secret being rotated out: still accepted until this variable is removed. */
  WEBHOOK_SECRET_PREVIOUS: optionalString.pipe(z.string().min(24, 'must be at least 24 characters').optional()),
  /** How far a signature timestamp may be from now, either way, before it counts as a replay. */
  WEBHOOK_TOLERANCE_SECONDS: positiveInt(300),
  /** Per-account intake rate limit (token bucket in Redis): activities per second and burst size. */
  RATE_LIMIT_PER_SECOND: positiveInt(1000),
  RATE_LIMIT_BURST: positiveInt(20_000),
  /**
   * Key of the suppression hashes (GDPR erase with suppression): HMAC-SHA256 of each erased
   * identifier. Every api and worker process needs the same one, and it must never change (the
   * stored hashes are only matched under it). Required in production; generated under DATA_DIR in
   * development.
   */
  SUPPRESSION_KEY: optionalString.pipe(z.string().min(MIN_SUPPRESSION_KEY_LENGTH, `must be at least ${MIN_SUPPRESSION_KEY_LENGTH} characters`).optional()),
  /**
   * AES-256-GCM key of job payloads at rest in Redis (32 bytes as base64 or hex: `openssl rand
   * -base64 32`). Every api and worker process needs it; required in production, generated under
   * DATA_DIR in development. To rotate: new key here, the old one in PAYLOAD_KEY_PREVIOUS until
   * the jobs sealed with it are gone (retention: 14 days of failed jobs).
   */
  PAYLOAD_KEY: optionalString.pipe(payloadKey.optional()),
  PAYLOAD_KEY_PREVIOUS: optionalString.pipe(payloadKey.optional()),
  /** POST /v1/contacts/import (text/csv): body size and data rows per request. */
  IMPORT_BODY_LIMIT: z.string().default('2mb'),
  IMPORT_MAX_ROWS: positiveInt(5000),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function parseConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = configSchema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`));
  }
  const config = result.data;
  const missing: string[] = [];
  if (config.NODE_ENV === 'production' && !config.BOOTSTRAP_API_KEY) {
    // ROLE=worker never serves HTTP, so only API processes need a known key.
    if (config.ROLE !== 'worker') missing.push('BOOTSTRAP_API_KEY: required when NODE_ENV=production');
  }
  // Every role: an api that records suppressions and a worker that cannot check them would let an
  // erased person come back.
  if (config.NODE_ENV === 'production' && !config.SUPPRESSION_KEY) {
    missing.push(`SUPPRESSION_KEY: required when NODE_ENV=production (at least ${MIN_SUPPRESSION_KEY_LENGTH} characters, the same on every process, never changed)`);
  }
  if (config.NODE_ENV === 'production' && !config.PAYLOAD_KEY) {
    missing.push('PAYLOAD_KEY: required when NODE_ENV=production (32 bytes as base64 or hex, the same on every process)');
  }
  if (config.NODE_ENV === 'production' && config.ADMIN_PASSWORD && isWeakAdminPassword(config.ADMIN_PASSWORD)) {
    // Named, never echoed: the message must not carry the password into a log.
    missing.push(
      `ADMIN_PASSWORD: too weak for NODE_ENV=production (needs at least ${MIN_ADMIN_PASSWORD_LENGTH} characters, at least ${MIN_ADMIN_PASSWORD_DISTINCT} of them different; e.g. openssl rand -hex 16)`,
    );
  }
  if (config.ADMIN_PORT !== undefined && config.ADMIN_PORT !== 0 && config.ADMIN_PORT === config.PORT) {
    missing.push('ADMIN_PORT: must differ from PORT (unset it to serve /admin and /metrics on PORT)');
  }
  if (missing.length) throw new ConfigError(missing);
  return config;
}

/** The one strength rule: long enough, and not a few characters repeated. */
export function isWeakAdminPassword(password: string): boolean {
  return password.length < MIN_ADMIN_PASSWORD_LENGTH || new Set(password).size < MIN_ADMIN_PASSWORD_DISTINCT;
}
