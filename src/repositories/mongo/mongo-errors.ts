import mongoose from 'mongoose';
import { DuplicateIdentifierError } from '../../shared/errors';

interface ServerErrorShape {
  code?: unknown;
  codeName?: unknown;
  keyPattern?: unknown;
  errmsg?: unknown;
  message?: unknown;
  errorLabels?: unknown;
  writeErrors?: unknown;
  cause?: unknown;
}

const asShape = (err: unknown): ServerErrorShape | null => (err !== null && typeof err === 'object' ? (err as ServerErrorShape) : null);

/** E11000 (or legacy E11001), also when the driver reports it inside a bulk `writeErrors` entry. */
export function isDuplicateKeyError(err: unknown): boolean {
  const e = asShape(err);
  if (!e) return false;
  if (e.code === 11000 || e.code === 11001) return true;
  return Array.isArray(e.writeErrors) && e.writeErrors.some((w) => isDuplicateKeyError(w) || asShape(w)?.code === 11000);
}

/** Field names of the unique index an E11000 hit, from `keyPattern` (every server we support sends it). */
export function duplicateKeyFields(err: unknown): string[] {
  const e = asShape(err);
  const pattern = e?.keyPattern;
  if (pattern && typeof pattern === 'object') return Object.keys(pattern);
  return [];
}

/**
 * Maps an E11000 from the contacts collection onto the identifier it protects. `keyPattern` first;
 * the index name in the message is the fallback for servers or proxies that omit it.
 */
export function toContactDuplicateError(err: unknown): DuplicateIdentifierError {
  const fields = duplicateKeyFields(err);
  const message = String(asShape(err)?.errmsg ?? asShape(err)?.message ?? '');
  if (fields.includes('email') || /account_email/.test(message)) return new DuplicateIdentifierError('email');
  if (fields.includes('phoneOnly') || /phoneOnly/.test(message)) return new DuplicateIdentifierError('phone');
  return new DuplicateIdentifierError('id');
}

/**
 * Server codes that mean "not now, try again": elections, stepdowns, shutdowns, network trouble and
 * server-side timeouts. Everything the driver's retryable-reads/writes specs list, plus timeouts:
 * 50 is what `maxTimeMS` (MONGODB_OPERATION_TIMEOUT_MS) ends a query with, 64 what `wtimeoutMS` ends
 * a write-concern wait with (on a MongoWriteConcernError).
 */
const TRANSIENT_CODES = new Set<number>([
  6, // HostUnreachable
  7, // HostNotFound
  50, // MaxTimeMSExpired
  64, // WriteConcernTimeout / WriteConcernFailed (our writes are idempotent)
  89, // NetworkTimeout
  91, // ShutdownInProgress
  134, // ReadConcernMajorityNotAvailableYet
  189, // PrimarySteppedDown
  262, // ExceededTimeLimit
  9001, // SocketException
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
]);

const TRANSIENT_LABELS = new Set([
  'RetryableWriteError',
  'TransientTransactionError',
  'RetryableError',
  'SystemOverloadedError',
  'ResetPool',
]);

/** By name, so it holds across duplicated driver copies and mongoose's own wrappers. */
const TRANSIENT_NAMES = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoOperationTimeoutError',
  'MongoWaitQueueTimeoutError',
  'MongoPoolClearedError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoServerClosedError',
  'MongoStalePrimaryError',
]);

/**
 * True when retrying later can succeed (the worker retries with backoff); false for errors no retry
 * fixes (validation, cast, duplicate key, bad query, auth), which fail the job at once.
 */
export function isTransientMongoError(err: unknown, depth = 0): boolean {
  const e = asShape(err);
  if (!e || depth > 5) return false;
  if (
    err instanceof mongoose.mongo.MongoNetworkError || // includes MongoNetworkTimeoutError (socketTimeoutMS)
    err instanceof mongoose.mongo.MongoServerSelectionError ||
    err instanceof mongoose.mongo.MongoOperationTimeoutError
  ) {
    return true;
  }
  const name = (err as { name?: unknown }).name;
  if (typeof name === 'string' && TRANSIENT_NAMES.has(name)) return true;
  if (typeof e.code === 'number' && TRANSIENT_CODES.has(e.code)) return true;
  const labels = Array.isArray(e.errorLabels)
    ? e.errorLabels
    : err instanceof mongoose.mongo.MongoError
      ? err.errorLabels
      : [];
  if (labels.some((l) => typeof l === 'string' && TRANSIENT_LABELS.has(l))) return true;
  // Only relevant if someone re-enables mongoose command buffering on the connection.
  if (typeof e.message === 'string' && /buffering timed out/i.test(e.message)) return true;
  return e.cause !== undefined && isTransientMongoError(e.cause, depth + 1);
}

/** Guard against operator injection before a value reaches a filter: identifiers are strings. */
export function str(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new TypeError(`${what} must be a string`);
  return value;
}
