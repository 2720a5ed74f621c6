import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/**
 * How the MongoDB test suites get a mongod, in order:
 *   1. MONGODB_URI (a running server or replica set: used as is, never dropped wholesale);
 *   2. MONGOMS_SYSTEM_BINARY (a local mongod binary) → mongodb-memory-server replica set;
 *   3. a mongod mongodb-memory-server already has in its cache, or can download now → replica set;
 *   4. otherwise the suites are skipped, with one loud line saying why.
 * Step 3 runs in a child process with a time cap, so an offline machine decides in well under a
 * second (DNS fails) and a hanging download is killed instead of hanging the test run.
 */

export type ObtainedMongo = { uri: string; stop(): Promise<void> };
export type SkippedMongo = { skipped: string };

/** Set by whoever decided first (e.g. a jest globalSetup) so workers neither re-probe nor re-warn. */
export const MONGO_SKIPPED_ENV = 'CONTACTFLOW_MONGO_SKIPPED';
const DOWNLOAD_TIMEOUT_MS = Number(process.env.CONTACTFLOW_MONGO_DOWNLOAD_TIMEOUT_MS ?? 180_000);

let warned = false;

/**
 * The one loud line, at most once per process. Written to stderr directly rather than through
 * console.warn: jest buffers a test file's console and never prints it for a file whose tests are
 * all skipped (and would add a stack excerpt otherwise), which would hide exactly this line.
 */
export function warnMongoSkipped(reason: string): void {
  if (warned) return;
  warned = true;
  const line = `⚠ MongoDB suites SKIPPED: ${reason} (set MONGODB_URI or MONGOMS_SYSTEM_BINARY to run them)`;
  process.stderr.write(`\n${process.stderr.isTTY ? `\x1b[1;33m${line}\x1b[0m` : line}\n\n`);
}

export type MongoAvailability =
  | { via: 'uri'; uri: string }
  | { via: 'system-binary'; binary: string }
  | { via: 'binary'; binary: string }
  | SkippedMongo;

let probed: MongoAvailability | undefined;

/**
 * Synchronous (usable while jest collects tests, to choose describe vs describe.skip): where a
 * mongod would come from, or why there is none. Does not start anything.
 */
export function probeMongo(): MongoAvailability {
  if (probed) return probed;
  const skippedBefore = process.env[MONGO_SKIPPED_ENV];
  if (process.env.MONGODB_URI) probed = { via: 'uri', uri: process.env.MONGODB_URI };
  else if (process.env.MONGOMS_SYSTEM_BINARY) probed = { via: 'system-binary', binary: process.env.MONGOMS_SYSTEM_BINARY };
  else if (skippedBefore) probed = { skipped: skippedBefore };
  else probed = locateOrDownloadBinary();
  return probed;
}

/** Runs mongodb-memory-server's own binary lookup (cache, then download) in a capped child. */
function locateOrDownloadBinary(): MongoAvailability {
  const script = `
    const dns = require('node:dns/promises');
    const { DryMongoBinary, MongoBinary } = require(${JSON.stringify(require.resolve('mongodb-memory-server'))});
    const out = (o) => process.stdout.write(JSON.stringify(o));
    (async () => {
      const found = await DryMongoBinary.locateBinary(await DryMongoBinary.generateOptions());
      if (found) return out({ binary: found });
      const source = process.env.MONGOMS_DOWNLOAD_URL || process.env.MONGOMS_DOWNLOAD_MIRROR || 'https://fastdl.mongodb.org';
      const host = new URL(source).hostname;
      try { await dns.lookup(host); } catch (e) {
        return out({ error: 'no cached mongod binary and cannot download one (' + host + ': ' + (e.code || e.message) + ')' });
      }
      out({ binary: await MongoBinary.getPath() });
    })().catch((e) => out({ error: 'mongod binary download failed: ' + String(e && e.message).split('\\n').join(' ').slice(0, 300) }));
  `;
  const child = spawnSync(process.execPath, ['-e', script], {
    encoding: 'utf8',
    timeout: DOWNLOAD_TIMEOUT_MS,
    killSignal: 'SIGKILL',
    env: process.env,
  });
  if (child.error) return { skipped: `mongod binary lookup failed (${child.error.message})` };
  try {
    const result = JSON.parse(child.stdout) as { binary?: string; error?: string };
    if (result.binary) return { via: 'binary', binary: result.binary };
    return { skipped: result.error ?? 'mongod binary lookup returned nothing' };
  } catch {
    return { skipped: `mongod binary lookup failed (exit ${child.status ?? child.signal}: ${child.stderr.trim().slice(0, 200)})` };
  }
}

/**
 * A mongod for tests: MONGODB_URI, else a single-node mongodb-memory-server replica set (replica
 * set: production runs on one, and transactions/change streams need it). Never throws for "no
 * mongod here": returns `{ skipped }` and prints the loud line. A mongod that exists but fails to
 * start is an error, not a skip.
 */
export async function obtainMongo(): Promise<ObtainedMongo | SkippedMongo> {
  const found = probeMongo();
  if ('skipped' in found) {
    warnMongoSkipped(found.skipped);
    process.env[MONGO_SKIPPED_ENV] = found.skipped;
    return found;
  }
  if (found.via === 'uri') return { uri: found.uri, stop: async () => {} };
  const { MongoMemoryReplSet } = await import('mongodb-memory-server');
  // The binary probeMongo found is where mongodb-memory-server looks itself (MONGOMS_SYSTEM_BINARY or
  // its cache), so no binary options are needed here.
  const replSet = await MongoMemoryReplSet.create({ replSet: { count: 1, storageEngine: 'wiredTiger' } });
  return {
    uri: replSet.getUri(),
    stop: async () => {
      await replSet.stop({ doCleanup: true, force: true });
    },
  };
}

/** A database name nobody else uses: each test run (and each contract case) gets its own. */
export function uniqueDbName(prefix = 'contactflow_test'): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}
