import { randomBytes } from 'node:crypto';
import type { Worker } from 'bullmq';
import type { Express } from 'express';
import { createApp } from './api/app';
import type { ReadinessCheck } from './api/health.routes';
import { createAuthThrottle, type AuthThrottle } from './api/auth-throttle';
import { createAdminApp, createOpsApp, type OpsDeps } from './api/ops';
import { startWebServer, type WebServer } from './api/server';
import { isWeakAdminPassword, type Config } from './config';
import { activeFieldDefinitions, createSuppressionHasher, defaultIdentityPolicy, type IdentityPolicy, type MergeOptions, type SuppressionHasher } from './domain';
import { loadOrCreateDevSecret } from './infra/dev-secret';
import { createLeasedRateLimiter, leaseSizeFor } from './infra/leased-rate-limiter';
import { createRedisFailureCounter } from './infra/redis-failure-counter';
import { createRedisRateLimiter } from './infra/redis-rate-limiter';
import { resolveRedis } from './infra/redis-server';
import { resolveStore } from './infra/store';
import { resolveSuppressionKey } from './infra/suppression-key';
import { ACTIVITIES_QUEUE, createActivitiesProducer, createActivitiesQueue, createJobSealer, type ActivitiesQueue, type JobSealer } from './jobs/activities.queue';
import { resolvePayloadCipher } from './infra/payload-key';
import { createRetention, scheduleRetention } from './jobs/retention';
import { accountDepthKeys, createAccountDepth } from './jobs/account-depth';
import { prepareDurability } from './jobs/accept-durability';
import { createRedisConnection, type RedisConnection } from './jobs/redis-connection';
import type { Account, Repositories } from './repositories';
import { bootstrapAccount, bootstrapApiKey, createAccountCache, createApiKeyAuthenticator, generateApiKey, type AccountCache, type ApiKeyAuthenticator } from './services/accounts.service';
import { createAdminAccountsService } from './services/admin-accounts.service';
import { createApiKeysService } from './services/api-keys.service';
import { createContactFieldsService } from './services/contact-fields.service';
import { createContactStatusesService } from './services/contact-statuses.service';
import { createActivityStatusService } from './services/activity-status.service';
import { createActivityListing } from './services/activity-listing.service';
import { createContactImportService } from './services/contact-import.service';
import { createEraseContact } from './services/erase-contact.service';
import { createBackpressure, parseMemoryInfo } from './services/backpressure';
import { createBatchIntakeService } from './services/batch-intake.service';
import { createContactsService } from './services/contacts.service';
import { createConsoleSessions, type ConsoleSessions } from './services/console-sessions.service';
import { createPipelineStatus } from './services/pipeline-status.service';
import { createIntakeService } from './services/intake.service';
import { createProcessActivity, type ProcessActivityResult } from './services/process-activity.service';
import { createRecordPageView } from './services/record-page-view.service';
import { createReplayService } from './services/replay.service';
import { createWebhookIntakeService } from './services/webhook-intake.service';
import { createWebhookSecretCache, createWebhookSecretsAdmin, generateWebhookSecret, setWebhookSecrets, type WebhookSecretSource } from './services/webhook-secrets.service';
import type { Logger } from './shared/logger';
import { createMetrics, QUEUE_STATES, type Metrics } from './shared/metrics';
import { withTimeout } from './shared/timeout';
import { createActivitiesWorker } from './workers/activities.worker';
import { createActivityHandler } from './workers/activity-handler';
import { instrumentWorker } from './workers/worker-metrics';

export interface Contactflow {
  config: Config;
  /** HTTP port when this process serves the API. */
  port: number | null;
  /** The port of /admin and /metrics when ADMIN_PORT is set, else null (they are on `port`). */
  adminPort: number | null;
  /** The bootstrap API key (API processes only). */
  apiKey: string | null;
  account: string;
  redisUrl: string;
  repos: Repositories;
  queue: ActivitiesQueue;
  /** Seals and opens job payloads with this process's PAYLOAD_KEY (tests add jobs through it). */
  sealer: JobSealer;
  worker: Worker | null;
  /** Shutdown in order: HTTP, workers, queues, MongoDB, Redis. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Tests observe outcomes; production wires metrics here later. */
  onProcessed?(result: ProcessActivityResult): void;
  /** Tests share one store between in-process instances. */
  repos?: Repositories;
  /** Tests inspect the Express app of an API process (its routes, for the OpenAPI document). */
  onApp?(app: Express): void;
}

/**
 * The composition root: config → logger → connections → repositories → services → api / workers,
 * per ROLE. Nothing else in the code base constructs infrastructure.
 */
export async function startContactflow(config: Config, logger: Logger, options: StartOptions = {}): Promise<Contactflow> {
  const cleanups: (() => Promise<void>)[] = [];
  const runApi = config.ROLE !== 'worker';
  const runWorker = config.ROLE !== 'api';

  try {
    const redis = await resolveRedis({
      url: config.REDIS_URL,
      dataDir: config.DATA_DIR,
      logger,
      // The embedded development Redis keeps the promise the way an older production Redis would.
      appendfsync: config.ACCEPT_DURABILITY === 'fsynced' ? 'always' : 'everysec',
    });
    if (redis.stop) cleanups.unshift(redis.stop);

    const store = options.repos ? { repos: options.repos, description: options.repos.kind } : await resolveStore(config, logger);
    if (store.stop) cleanups.unshift(store.stop);
    const repos = store.repos;
    if (!options.repos) cleanups.unshift(() => repos.close());

    const producerConnection = await connected(createRedisConnection(redis.url, 'producer', `${config.ROLE}-producer`));
    cleanups.unshift(async () => void (await producerConnection.quit().catch(() => producerConnection.disconnect())));
    const queue = createActivitiesQueue(producerConnection, config.REDIS_PREFIX, {
      attempts: config.JOB_ATTEMPTS,
      backoffMs: config.JOB_BACKOFF_MS,
    });
    queue.on('error', (err) => logger.warn({ err }, 'activities queue connection error'));
    cleanups.unshift(() => queue.close());
    const metrics = createMetrics({
      queueDepths: async () => {
        const counts = await queue.getJobCounts(...QUEUE_STATES, 'prioritized');
        // Prioritized jobs are waiting ones too (fair order between accounts).
        return { [ACTIVITIES_QUEUE]: { ...counts, waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0) } };
      },
      store: repos.kind,
    });

    const account = await bootstrapAccount(repos.accounts, { account: config.BOOTSTRAP_ACCOUNT, defaultCountry: config.DEFAULT_COUNTRY });
    // Only API processes own the bootstrap credentials: a worker never creates or rotates them.
    const apiKey = runApi ? await bootstrapApiCredentials(config, account.id, repos) : null;

    // One key for the worker's suppression check and the erase that stores the hashes.
    const suppression = createSuppressionHasher(resolveSuppressionKey(config));
    // One account cache per process, shared by its API and worker: an operator's change drops the
    // entry here at once (ROLE=all), and reaches other processes within its TTL.
    const findAccount = createAccountCache(repos.accounts);
    // Every process that writes or reads job payloads (api, worker, replay) holds the same key.
    const sealer = createJobSealer(resolvePayloadCipher(config));
    const storeLabel = repos.kind === 'memory' ? 'memory (not persistent)' : 'mongodb';
    const adminPassword = resolveAdminPassword(config, logger, runApi);
    // One per process, shared by the API and admin ports, counting in the producer's Redis.
    const authThrottle = createAuthThrottle({
      counter: createRedisFailureCounter(producerConnection, { prefix: config.REDIS_PREFIX, windowMs: 60_000 }),
      limit: config.AUTH_FAILURES_PER_MINUTE,
      logger,
    });
    const wiring: Wiring = {
      config,
      logger,
      repos,
      queue,
      producerConnection,
      metrics,
      cleanups,
      suppression,
      sealer,
      findAccount,
      storeLabel,
      adminPassword,
      authThrottle,
      ...identityOptions(config),
    };

    const worker = runWorker ? await startWorker(wiring, redis.url, options.onProcessed) : null;

    const readiness: ReadinessCheck[] = [
      { name: 'redis', check: async () => void (await producerConnection.ping()) },
      { name: store.description === 'memory' ? 'store(memory)' : 'mongodb', check: () => repos.ping() },
      ...(worker ? [{ name: 'worker', check: async () => assertRunning(worker) }] : []),
    ];
    const web = runApi ? await startApi(wiring, readiness, account.id, options.onApp) : await startProbes(wiring, readiness);
    logger.info(
      { port: web.port, ...(web.adminPort !== null ? { adminPort: web.adminPort } : {}), role: config.ROLE, store: store.description },
      (runApi ? `contactflow listening on http://127.0.0.1:${web.port}` : 'contactflow worker running (probes and /metrics only)') +
        (web.adminPort !== null ? `; /admin and /metrics on port ${web.adminPort} only` : '') +
        (repos.kind === 'memory' ? ' with the IN-MEMORY store: nothing persists' : ''),
    );

    let stopping: Promise<void> | null = null;
    return {
      config,
      port: web.port,
      adminPort: web.adminPort,
      apiKey,
      account: account.id,
      redisUrl: redis.url,
      repos,
      queue,
      sealer,
      worker,
      stop: () => (stopping ??= runCleanups(cleanups, logger, config.SHUTDOWN_TIMEOUT_MS)),
    };
  } catch (err) {
    await runCleanups(cleanups, logger, config.SHUTDOWN_TIMEOUT_MS);
    throw err;
  }
}

const MB = 1024 * 1024;

/** What the wiring functions below share; built once in startContactflow. */
interface Wiring {
  config: Config;
  logger: Logger;
  repos: Repositories;
  queue: ActivitiesQueue;
  producerConnection: RedisConnection;
  metrics: Metrics;
  cleanups: (() => Promise<void>)[];
  identityPolicy(account: Account): IdentityPolicy;
  mergeOptions(account: Account): MergeOptions;
  suppression: SuppressionHasher;
  sealer: JobSealer;
  findAccount: AccountCache;
  /** What /readyz names as the store. */
  storeLabel: string;
  /** ADMIN_PASSWORD, or the generated development one; undefined: admin routes off. */
  adminPassword: string | undefined;
  authThrottle: AuthThrottle;
}

function identityOptions(config: Config): Pick<Wiring, 'identityPolicy' | 'mergeOptions'> {
  const policies = new Map<string, IdentityPolicy>();
  const mergeOptionsOf = new WeakMap<Account, MergeOptions>();
  return {
    // By country, the only input: an operator's change of an account's default country applies.
    identityPolicy: (a) => {
      let p = policies.get(a.defaultCountry);
      if (!p) policies.set(a.defaultCountry, (p = defaultIdentityPolicy({ defaultCountry: a.defaultCountry })));
      return p;
    },
    // One per account object: the account cache hands out the same object for its TTL, so the
    // definitions map (and the source-name index the field mapping keeps per map) is built once per
    // account and TTL instead of once per activity.
    mergeOptions: (a) => {
      let o = mergeOptionsOf.get(a);
      if (!o) {
        o = {
          // Archived definitions neither type nor map anything any more.
          fieldDefinitions: new Map(activeFieldDefinitions(a.fieldDefinitions).map((d) => [d.key, d])),
          recentLimit: config.RECENT_LIMIT,
          defaultCountry: a.defaultCountry,
          statuses: a.statuses,
        };
        mergeOptionsOf.set(a, o);
      }
      return o;
    },
  };
}

async function startWorker(w: Wiring, redisUrl: string, onProcessed?: (r: ProcessActivityResult) => void): Promise<Worker> {
  const { config, logger, repos, queue, metrics } = w;
  const workerConnection = createRedisConnection(redisUrl, 'worker', `${config.ROLE}-worker`);
  const { findAccount } = w;
  const accountDepth = createAccountDepth(w.producerConnection, accountDepthKeys((t) => queue.toKey(t)));
  const worker = createActivitiesWorker({
    connection: workerConnection,
    prefix: config.REDIS_PREFIX,
    concurrency: config.WORKER_CONCURRENCY,
    lockDurationMs: config.WORKER_LOCK_MS,
    stalledIntervalMs: config.WORKER_STALLED_INTERVAL_MS,
    logger,
    sealer: w.sealer,
    // Off the account's share of the queue once finished (backpressure.ts); a miss is swept later.
    onFinished: (job) => void accountDepth.release(job.account, job.activityId).catch((err: unknown) => logger.warn({ err }, 'could not release a finished job from its account depth')),
    handle: createActivityHandler({
      processActivity: createProcessActivity({
        repos,
        findAccount,
        identityPolicy: w.identityPolicy,
        mergeOptions: w.mergeOptions,
        suppression: w.suppression,
      }),
      recordPageView: createRecordPageView({ repos, findAccount, mergeOptions: w.mergeOptions }),
      onProcessed: (r) => {
        metrics.activityProcessed(r.outcome, r.resolution);
        onProcessed?.(r);
      },
    }),
    isTransientStoreError: (err) => repos.isTransientError(err),
    pauseQueue: (ms) => queue.rateLimit(ms),
    outageBackoffMs: config.JOB_BACKOFF_MS,
  });
  instrumentWorker(worker, metrics);
  const retention = createRetention({
    queue,
    connection: w.producerConnection,
    maxBytes: { completed: config.COMPLETED_JOBS_MAX_MB * MB, failed: config.FAILED_JOBS_MAX_MB * MB },
    logger,
  });
  const stopRetention = scheduleRetention(retention, queue.toKey('retention-lock'), config.RETENTION_INTERVAL_MS, logger, () => accountDepth.sweep());
  w.cleanups.unshift(async () => stopRetention());
  w.cleanups.unshift(async () => {
    // Lets active jobs finish; a job cut off by the bound is not lost: its lock expires and
    // BullMQ's stalled-job check hands it to another worker (or this one after a restart).
    try {
      await withTimeout(worker.close(), config.SHUTDOWN_TIMEOUT_MS, 'worker close');
    } finally {
      workerConnection.disconnect();
    }
  });
  void worker.run();
  await worker.waitUntilReady();
  return worker;
}

async function startApi(w: Wiring, readiness: ReadinessCheck[], bootstrapAccountId: string, onApp?: (app: Express) => void): Promise<Listening> {
  const { config, logger, repos, queue, producerConnection, metrics } = w;
  if (!w.adminPassword) {
    logger.warn('admin routes are OFF (Bull Board at /admin/queues, POST /admin/replay, /admin/accounts): set ADMIN_PASSWORD to enable them');
  }
  const durable = await prepareDurability(producerConnection, config.ACCEPT_DURABILITY, config.ACCEPT_DURABILITY_TIMEOUT_MS);
  // One admission check for every intake route (single, batch, webhooks, page views), cached 250 ms.
  const accountDepth = createAccountDepth(producerConnection, accountDepthKeys((t) => queue.toKey(t)));
  const backpressure = createBackpressure({
    // Jobs with a priority (fair order, see the producer) wait in BullMQ's `prioritized` set.
    depth: () => queue.getJobCountByTypes('waiting', 'prioritized'),
    maxDepth: config.MAX_QUEUE_DEPTH,
    accountDepth: accountDepth.depth,
    maxAccountDepth: Math.max(1, Math.floor(config.MAX_QUEUE_DEPTH * config.ACCOUNT_QUEUE_SHARE)),
    memory: async () => parseMemoryInfo(await producerConnection.info('memory')),
    maxMemoryRatio: config.REDIS_MEMORY_HIGH_WATER,
  });
  const admit = (n: number, account?: string) => backpressure.admit(n, account);
  const producer = createActivitiesProducer(queue, w.sealer, { durable, backlogOf: backpressure.lastAccountDepth });
  // Contact look-ups normalize with the account's policy: cached, like the worker's.
  const { findAccount } = w;
  const authenticator = createApiKeyAuthenticator(repos.accounts);
  const webhookSecrets = createWebhookSecretCache(repos.accounts);
  // Console sessions live in Redis, so every API process knows them; they hold no secret in clear.
  const consoleSessions = createConsoleSessions({
    redis: producerConnection,
    prefix: config.REDIS_PREFIX,
    accounts: repos.accounts,
    authenticate: (key) => authenticator.authenticate(key),
    adminPassword: w.adminPassword,
  });
  const operator = operatorServices(w, authenticator, webhookSecrets, consoleSessions);
  const activityListing = createActivityListing({ activities: repos.activities, queue, sealer: w.sealer });
  const policyFor = async (accountId: string) => {
    const a = await findAccount(accountId);
    return a ? w.identityPolicy(a) : defaultIdentityPolicy({ defaultCountry: config.DEFAULT_COUNTRY });
  };
  const ops: OpsDeps = {
    metrics,
    metricsAuth: metricsAuthOf(w),
    separatePort: config.ADMIN_PORT !== undefined,
    admin: {
      adminPassword: w.adminPassword,
      throttle: w.authThrottle,
      queues: [queue],
      replay: createReplayService({
        queues: { [ACTIVITIES_QUEUE]: queue },
        sealer: w.sealer,
        activities: repos.activities,
        defaultAccount: bootstrapAccountId,
        onReplayed: (q, kind, n) => metrics.jobsReplayed(q, kind, n),
      }),
      accounts: operator.admin,
      pipeline: {
        status: createPipelineStatus({ queue, activities: repos.activities, defaultAccount: bootstrapAccountId }),
        listing: activityListing,
      },
    },
  };
  const app = createApp({
    logger,
    store: w.storeLabel,
    authThrottle: w.authThrottle,
    isTransientStoreError: (err) => repos.isTransientError(err),
    trustProxy: config.TRUST_PROXY,
    bodyLimit: config.BODY_LIMIT,
    rateLimiter: intakeRateLimiter(config, producerConnection),
    webhooks: {
      bodyLimit: config.WEBHOOK_BODY_LIMIT,
      webhooks: createWebhookIntakeService({
        producer,
        secrets: webhookSecrets,
        toleranceSeconds: config.WEBHOOK_TOLERANCE_SECONDS,
        admit,
      }),
    },
    batch: {
      bodyLimit: config.BATCH_BODY_LIMIT,
      maxItems: config.BATCH_MAX,
      batch: createBatchIntakeService({ producer, maxItems: config.BATCH_MAX, admit }),
    },
    erase: createEraseContact({ repos, queue, sealer: w.sealer, suppression: w.suppression, policyFor, invalidateAccount: (id) => findAccount.invalidate(id) }),
    contactImport: {
      bodyLimit: config.IMPORT_BODY_LIMIT,
      import: createContactImportService({ batch: createBatchIntakeService({ producer, maxItems: config.IMPORT_MAX_ROWS, admit }), maxRows: config.IMPORT_MAX_ROWS }),
    },
    activityListing,
    console: { sessions: consoleSessions },
    authenticator,
    contactStatuses: operator.contactStatuses,
    contactFields: operator.contactFields,
    intake: createIntakeService(producer, backpressure),
    activityStatus: createActivityStatusService(repos.activities, queue),
    contacts: createContactsService({ repos, findAccount, identityPolicy: w.identityPolicy, mergeOptions: w.mergeOptions }),
    readiness,
    ops,
  });
  onApp?.(app);
  return listenWithAdmin(w, app, ops);
}

/**
 * The operator's settings and admin services. Each change drops what this process cached (account,
 * key, secrets) at once; other processes see it within SETTINGS_CACHE_TTL_MS.
 */
function operatorServices(w: Wiring, authenticator: ApiKeyAuthenticator, webhookSecrets: WebhookSecretSource, consoleSessions: ConsoleSessions) {
  const { repos } = w;
  const onAccountChanged = (account: string) => w.findAccount.invalidate(account);
  return {
    contactStatuses: createContactStatusesService({ accounts: repos.accounts, contacts: repos.contacts, onAccountChanged }),
    contactFields: createContactFieldsService({ accounts: repos.accounts, onAccountChanged }),
    admin: {
      accounts: createAdminAccountsService({ accounts: repos.accounts, defaultCountry: w.config.DEFAULT_COUNTRY, onAccountChanged }),
      apiKeys: createApiKeysService({ accounts: repos.accounts, onRevoked: (hash) => {
          authenticator.forget?.(hash);
          consoleSessions.forgetKey(hash);
        },
      }),
      webhookSecrets: createWebhookSecretsAdmin({ accounts: repos.accounts, onSecretsChanged: (account) => webhookSecrets.invalidate?.(account) }),
    },
  };
}

/** A worker process serves only probes and its own metrics (job counters live where jobs ran). */
async function startProbes(w: Wiring, readiness: ReadinessCheck[]): Promise<Listening> {
  const ops: OpsDeps = { metrics: w.metrics, metricsAuth: metricsAuthOf(w), separatePort: w.config.ADMIN_PORT !== undefined };
  return listenWithAdmin(w, createOpsApp({ logger: w.logger, readiness, store: w.storeLabel, ops, trustProxy: w.config.TRUST_PROXY }), ops);
}

interface Listening {
  port: number;
  adminPort: number | null;
}

/** `app` on PORT; with ADMIN_PORT, a second server in this process for /admin and /metrics. */
async function listenWithAdmin(w: Wiring, app: Express, ops: OpsDeps): Promise<Listening> {
  const web = await listen(w, app, w.config.PORT, w.config.HOST);
  if (!ops.separatePort || w.config.ADMIN_PORT === undefined) return { port: web.port, adminPort: null };
  const adminApp = createAdminApp({ logger: w.logger, ops, trustProxy: w.config.TRUST_PROXY });
  const admin = await listen(w, adminApp, w.config.ADMIN_PORT, w.config.ADMIN_HOST ?? w.config.HOST);
  return { port: web.port, adminPort: admin.port };
}

async function listen(w: Wiring, app: Express, port: number, host: string): Promise<WebServer> {
  const web = await startWebServer(app, port, host, {
    headersTimeoutMs: w.config.HTTP_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: w.config.HTTP_REQUEST_TIMEOUT_MS,
    maxConnections: w.config.HTTP_MAX_CONNECTIONS,
  });
  w.cleanups.unshift(() => web.stop(w.config.SHUTDOWN_TIMEOUT_MS));
  return web;
}

function metricsAuthOf(w: Wiring) {
  return { token: w.config.METRICS_TOKEN, adminPassword: w.adminPassword, throttle: w.authThrottle };
}

/**
 * ADMIN_PASSWORD; else, in development only, a generated one kept under DATA_DIR and printed by API
 * processes next to the API key (stdout, not the logger), so `npm start` shows how to open Bull
 * Board. Test and production without it: admin routes off.
 */
function resolveAdminPassword(config: Config, logger: Logger, print: boolean): string | undefined {
  if (config.ADMIN_PASSWORD) {
    // Production refuses a weak one at parse time; elsewhere it only warns.
    if (config.NODE_ENV !== 'production' && isWeakAdminPassword(config.ADMIN_PASSWORD)) {
      logger.warn('ADMIN_PASSWORD is weak (short, or few different characters): NODE_ENV=production would refuse it');
    }
    return config.ADMIN_PASSWORD;
  }
  if (config.NODE_ENV !== 'development') return undefined;
  const dev = loadOrCreateDevSecret(config.DATA_DIR, 'admin-password', () => randomBytes(24).toString('base64url'));
  if (print) {
    const how = dev.created ? 'Generated an admin password' : 'Admin password';
    process.stdout.write(
      `${how} for Bull Board at /admin/queues, /admin/* and /metrics, user "admin" (kept in ${dev.file}; set ADMIN_PASSWORD to choose one):\n\n  ${dev.value}\n\n`,
    );
  }
  return dev.value;
}

/**
 * The bootstrap API key: BOOTSTRAP_API_KEY, else (development) a generated one kept under DATA_DIR
 * and printed on stdout, not through the logger (which never prints secrets), so the README's curl
 * works. Returns the key.
 */
async function bootstrapApiCredentials(config: Config, account: string, repos: Repositories): Promise<string> {
  const devKey = config.BOOTSTRAP_API_KEY ? null : loadOrCreateDevSecret(config.DATA_DIR, 'api-key', generateApiKey);
  const apiKey = config.BOOTSTRAP_API_KEY ?? devKey!.value;
  await bootstrapApiKey(repos.accounts, account, apiKey);
  if (devKey) {
    const how = devKey.created ? 'Generated an API key' : 'API key';
    process.stdout.write(`\n${how} for account "${account}" (kept in ${devKey.file}; set BOOTSTRAP_API_KEY to choose one):\n\n  ${apiKey}\n\n`);
  }
  await bootstrapWebhookSecrets(config, account, repos);
  return apiKey;
}

/**
 * WEBHOOK_SECRET (+ WEBHOOK_SECRET_PREVIOUS during a rotation) become the bootstrap account's only
 * active secrets. Without it: development keeps a generated one under DATA_DIR (printed), tests get
 * a fresh one, and production leaves whatever is stored alone (managed outside this process).
 */
async function bootstrapWebhookSecrets(config: Config, account: string, repos: Repositories): Promise<void> {
  if (config.WEBHOOK_SECRET) {
    await setWebhookSecrets(repos.accounts, account, { current: config.WEBHOOK_SECRET, previous: config.WEBHOOK_SECRET_PREVIOUS });
    return;
  }
  if (config.NODE_ENV === 'production') return;
  if (config.NODE_ENV === 'test') {
    await setWebhookSecrets(repos.accounts, account, { current: generateWebhookSecret() });
    return;
  }
  const dev = loadOrCreateDevSecret(config.DATA_DIR, 'webhook-secret', generateWebhookSecret);
  await setWebhookSecrets(repos.accounts, account, { current: dev.value });
  const how = dev.created ? 'Generated a webhook secret' : 'Webhook secret';
  process.stdout.write(`${how} for account "${account}" (kept in ${dev.file}; set WEBHOOK_SECRET to choose one):\n\n  ${dev.value}\n\n`);
}

/** The shared Redis token bucket, spent through local leases when the limit is large enough. */
function intakeRateLimiter(config: Config, connection: RedisConnection) {
  const shared = createRedisRateLimiter(connection, { prefix: config.REDIS_PREFIX, perSecond: config.RATE_LIMIT_PER_SECOND, burst: config.RATE_LIMIT_BURST });
  const leaseSize = leaseSizeFor(config.RATE_LIMIT_PER_SECOND, config.RATE_LIMIT_BURST);
  return leaseSize ? createLeasedRateLimiter(shared, { leaseSize, leaseTtlMs: 1000 }) : shared;
}

async function runCleanups(cleanups: (() => Promise<void>)[], logger: Logger, stepTimeoutMs: number) {
  // unshift above means this runs in reverse order of construction: HTTP first, Redis last.
  // Each step is bounded: with Redis or MongoDB gone, a close() may wait forever for a reconnect.
  for (const cleanup of cleanups) {
    try {
      await withTimeout(cleanup(), stepTimeoutMs, 'shutdown step');
    } catch (err) {
      logger.warn({ err }, 'shutdown step failed or timed out; moving on');
    }
  }
}

async function connected(conn: RedisConnection): Promise<RedisConnection> {
  conn.on('error', () => {}); // surfaced through failed commands (503) and /readyz
  if (conn.status !== 'ready') {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('Redis did not become ready within 10 s')), 10_000);
      conn.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
  return conn;
}

function assertRunning(worker: Worker) {
  if (!worker.isRunning()) throw new Error('worker is not running');
}
