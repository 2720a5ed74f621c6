import type { Worker } from 'bullmq';
import { createApp } from './api/app';
import { startWebServer, type WebServer } from './api/server';
import type { Config } from './config';
import { defaultIdentityPolicy, type IdentityPolicy, type MergeOptions } from './domain';
import { loadOrCreateDevApiKey } from './infra/dev-api-key';
import { resolveRedis } from './infra/redis-server';
import { resolveStore } from './infra/store';
import { createActivitiesProducer, createActivitiesQueue, type ActivitiesQueue } from './jobs/activities.queue';
import { createRedisConnection, type RedisConnection } from './jobs/redis-connection';
import type { Account, Repositories } from './repositories';
import { bootstrapAccount, createApiKeyAuthenticator, generateApiKey } from './services/accounts.service';
import { createActivityStatusService } from './services/activity-status.service';
import { createContactsService } from './services/contacts.service';
import { createIntakeService } from './services/intake.service';
import { createProcessActivity, type ProcessActivityResult } from './services/process-activity.service';
import type { Logger } from './shared/logger';
import { withTimeout } from './shared/timeout';
import { createActivitiesWorker } from './workers/activities.worker';

export interface Contactflow {
  config: Config;
  /** HTTP port when this process serves the API. */
  port: number | null;
  apiKey: string;
  account: string;
  redisUrl: string;
  repos: Repositories;
  queue: ActivitiesQueue;
  worker: Worker | null;
  /** Shutdown in order: HTTP, workers, queues, MongoDB, Redis. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Tests observe outcomes; production wires metrics here later. */
  onProcessed?(result: ProcessActivityResult): void;
  /** Tests share one store between in-process instances. */
  repos?: Repositories;
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
    const redis = await resolveRedis({ url: config.REDIS_URL, dataDir: config.DATA_DIR, logger });
    if (redis.stop) cleanups.unshift(redis.stop);

    const store = options.repos ? { repos: options.repos, description: options.repos.kind } : await resolveStore(config, logger);
    if (store.stop) cleanups.unshift(store.stop);
    const repos = store.repos;
    if (!options.repos) cleanups.unshift(() => repos.close());

    const producerConnection = await connected(createRedisConnection(redis.url, 'producer', `${config.ROLE}-producer`));
    cleanups.unshift(async () => void (await producerConnection.quit().catch(() => producerConnection.disconnect())));
    const queue = createActivitiesQueue(producerConnection, config.REDIS_PREFIX, { attempts: config.JOB_ATTEMPTS });
    queue.on('error', (err) => logger.warn({ err }, 'activities queue connection error'));
    cleanups.unshift(() => queue.close());

    const devKey = config.BOOTSTRAP_API_KEY ? null : loadOrCreateDevApiKey(config.DATA_DIR, generateApiKey);
    const apiKey = config.BOOTSTRAP_API_KEY ?? devKey!.key;
    const account = await bootstrapAccount(repos.accounts, {
      account: config.BOOTSTRAP_ACCOUNT,
      apiKey,
      defaultCountry: config.DEFAULT_COUNTRY,
    });
    if (devKey && runApi) {
      // Printed on stdout, not through the logger (which never prints secrets), so the README's curl works.
      const how = devKey.created ? 'Generated an API key' : 'API key';
      process.stdout.write(`\n${how} for account "${account.id}" (kept in ${devKey.file}; set BOOTSTRAP_API_KEY to choose one):\n\n  ${apiKey}\n\n`);
    }

    const policies = new Map<string, IdentityPolicy>();
    const identityPolicy = (a: Account) => {
      let p = policies.get(a.id);
      if (!p) policies.set(a.id, (p = defaultIdentityPolicy({ defaultCountry: a.defaultCountry })));
      return p;
    };
    const mergeOptions = (a: Account): MergeOptions => ({
      fieldDefinitions: new Map(),
      recentLimit: config.RECENT_LIMIT,
      defaultCountry: a.defaultCountry,
    });

    let worker: Worker | null = null;
    if (runWorker) {
      const workerConnection = createRedisConnection(redis.url, 'worker', `${config.ROLE}-worker`);
      worker = createActivitiesWorker({
        connection: workerConnection,
        prefix: config.REDIS_PREFIX,
        concurrency: config.WORKER_CONCURRENCY,
        logger,
        processActivity: createProcessActivity({ repos, identityPolicy, mergeOptions }),
        onProcessed: options.onProcessed && ((r) => options.onProcessed!(r)),
      });
      const w = worker;
      cleanups.unshift(async () => {
        // Lets active jobs finish; a job cut off by the bound is not lost: its lock expires and
        // BullMQ's stalled-job check hands it to another worker (or this one after a restart).
        try {
          await withTimeout(w.close(), config.SHUTDOWN_TIMEOUT_MS, 'worker close');
        } finally {
          workerConnection.disconnect();
        }
      });
      void w.run();
      await w.waitUntilReady();
    }

    let web: WebServer | null = null;
    if (runApi) {
      const policyFor = async (accountId: string) => {
        const a = await repos.accounts.findById(accountId);
        return defaultIdentityPolicy({ defaultCountry: a?.defaultCountry ?? config.DEFAULT_COUNTRY });
      };
      const app = createApp({
        logger,
        bodyLimit: config.BODY_LIMIT,
        authenticator: createApiKeyAuthenticator(repos.accounts),
        intake: createIntakeService(createActivitiesProducer(queue, producerConnection)),
        activityStatus: createActivityStatusService(repos.activities, queue),
        contacts: createContactsService(repos.contacts, policyFor),
        readiness: [
          { name: 'redis', check: async () => void (await producerConnection.ping()) },
          { name: store.description === 'memory' ? 'store(memory)' : 'mongodb', check: () => repos.ping() },
          ...(worker ? [{ name: 'worker', check: async () => assertRunning(worker) }] : []),
        ],
      });
      web = await startWebServer(app, config.PORT, config.HOST);
      const w = web;
      cleanups.unshift(() => w.stop(config.SHUTDOWN_TIMEOUT_MS));
      logger.info({ port: web.port, role: config.ROLE, store: store.description }, `contactflow listening on http://127.0.0.1:${web.port}`);
    } else {
      logger.info({ role: config.ROLE, store: store.description }, 'contactflow worker running');
    }

    let stopping: Promise<void> | null = null;
    return {
      config,
      port: web?.port ?? null,
      apiKey,
      account: account.id,
      redisUrl: redis.url,
      repos,
      queue,
      worker,
      stop: () => (stopping ??= runCleanups(cleanups, logger, config.SHUTDOWN_TIMEOUT_MS)),
    };
  } catch (err) {
    await runCleanups(cleanups, logger, config.SHUTDOWN_TIMEOUT_MS);
    throw err;
  }
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
