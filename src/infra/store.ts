import { lookup } from 'node:dns/promises';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config';
import type { Repositories } from '../repositories';
import { createMemoryRepositories } from '../repositories/memory';
import { createMongoRepositories } from '../repositories/mongo';
import type { Logger } from '../shared/logger';
import { freePort } from './redis-server';
import { withTimeout } from '../shared/timeout';

export interface ResolvedStore {
  repos: Repositories;
  description: string;
  /** Stops an embedded mongod we started (after the repositories closed). */
  stop?: () => Promise<void>;
}

// Generous: the first start on a machine with internet downloads mongod (~100 MB).
const EMBEDDED_TIMEOUT_MS = 300_000;

/**
 * MONGODB_URI → MongoDB. Otherwise (development) an embedded single-node replica set with its data
 * under DATA_DIR/mongo, so contacts survive a restart. Where no mongod can be had (air-gapped
 * machines), the in-memory store: same semantics, nothing persists, one process only.
 */
export async function resolveStore(config: Config, logger: Logger): Promise<ResolvedStore> {
  if (config.NODE_ENV === 'production' && config.STORE === 'memory') {
    throw new Error('STORE=memory is refused when NODE_ENV=production: nothing would persist (set MONGODB_URI)');
  }
  if (config.STORE !== 'memory') {
    if (config.MONGODB_URI) {
      const repos = await connectMongo(config.MONGODB_URI, config, logger);
      return { repos, description: 'mongodb' };
    }
    if (config.NODE_ENV === 'production') throw new Error('MONGODB_URI is required when NODE_ENV=production');
    try {
      return await startEmbeddedMongo(path.resolve(config.DATA_DIR, 'mongo'), config, logger);
    } catch (err) {
      if (config.STORE === 'mongodb') throw err;
      logger.warn({ reason: (err as Error).message.split('\n')[0] }, 'no mongod could be started');
    }
  }
  if (config.ROLE !== 'all') {
    throw new Error(`ROLE=${config.ROLE} needs MongoDB (set MONGODB_URI): the in-memory store cannot be shared between processes`);
  }
  logger.warn(
    '!!! IN-MEMORY STORE: no MongoDB available. Contacts and activities live in this process only and are LOST on restart. Set MONGODB_URI for real storage. !!!',
  );
  return { repos: createMemoryRepositories(), description: 'memory' };
}

/** The MongoDB settings of the config (timeouts) and the logger for the index migration's lines. */
async function connectMongo(uri: string, config: Config, logger: Logger): Promise<Repositories> {
  return createMongoRepositories(uri, {
    serverSelectionTimeoutMS: config.MONGODB_SERVER_SELECTION_TIMEOUT_MS,
    operationTimeoutMS: config.MONGODB_OPERATION_TIMEOUT_MS,
    logger,
  });
}

/**
 * Asks mongodb-memory-server whether it has (or could download) a mongod before starting one, so
 * an offline machine falls back at once with one clear line instead of retrying downloads.
 */
async function mongodAvailability(): Promise<string | null> {
  if (process.env.MONGOMS_SYSTEM_BINARY) return null;
  const { DryMongoBinary } = await import('mongodb-memory-server');
  if (await DryMongoBinary.locateBinary(await DryMongoBinary.generateOptions())) return null;
  const source = process.env.MONGOMS_DOWNLOAD_URL || process.env.MONGOMS_DOWNLOAD_MIRROR || 'https://fastdl.mongodb.org';
  const host = new URL(source).hostname;
  try {
    await lookup(host);
    return null;
  } catch (err) {
    return `no cached mongod binary and ${host} cannot be reached (${(err as NodeJS.ErrnoException).code ?? 'error'})`;
  }
}

async function startEmbeddedMongo(dbPath: string, config: Config, logger: Logger): Promise<ResolvedStore> {
  const unavailable = await mongodAvailability();
  if (unavailable) throw new Error(unavailable);
  const { MongoMemoryReplSet } = await import('mongodb-memory-server');
  logger.info('starting an embedded MongoDB (the first start downloads mongod, which can take a minute)');
  mkdirSync(dbPath, { recursive: true });
  // A persisted replica set remembers its member's host:port, so a restart must reuse the port.
  const portFile = path.join(dbPath, 'contactflow.port');
  const port = existsSync(portFile) ? Number(readFileSync(portFile, 'utf8')) : await freePort();
  const replSet = await withTimeout(
    MongoMemoryReplSet.create({
      replSet: { count: 1, name: 'rs0', storageEngine: 'wiredTiger' },
      instanceOpts: [{ dbPath, port, storageEngine: 'wiredTiger' }],
    }),
    EMBEDDED_TIMEOUT_MS,
  );
  writeFileSync(portFile, String(port));
  const uri = replSet.getUri('contactflow');
  logger.warn({ dbPath }, 'started an embedded MongoDB replica set for development (set MONGODB_URI to use your own)');
  const repos = await connectMongo(uri, config, logger);
  return { repos, description: 'embedded mongodb', stop: () => replSet.stop({ doCleanup: false }).then(() => undefined) };
}
