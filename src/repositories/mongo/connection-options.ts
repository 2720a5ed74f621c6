import { ConnectionString } from 'mongodb-connection-string-url';
import mongoose, { type ConnectOptions } from 'mongoose';

/**
 * Everything the app passes to mongoose and the driver when it opens a MongoDB connection, built in
 * one place from the URI and the configured timeouts. Pure: nothing here connects. The offline test
 * (test/contract/mongo-connection.offline.test.ts) pins what it returns; docs/storage.md says why
 * each value is what it is.
 */

/** The database used when MONGODB_URI names none (the driver alone would use `test`). */
export const DEFAULT_DATABASE = 'contactflow';

export interface MongoTimeouts {
  /** How long an operation waits for a primary: long enough to ride out an election. */
  serverSelectionTimeoutMS: number;
  /** Bound on one operation: server-side `maxTimeMS`, the write-concern wait and the pool wait. */
  operationTimeoutMS: number;
}

export const DEFAULT_TIMEOUTS: MongoTimeouts = { serverSelectionTimeoutMS: 15_000, operationTimeoutMS: 15_000 };

/**
 * The client gives up on a round trip this long after the server should have stopped it by itself
 * (`maxTimeMS`, `wtimeoutMS`), so a server that still answers in time is never cut off mid-reply.
 */
export const SOCKET_TIMEOUT_MARGIN_MS = 5_000;

export interface ParsedMongoUri {
  srv: boolean;
  hosts: string[];
  /** The database named in the URI path, or null when it names none. */
  database: string | null;
}

export type MongoUriCheck = { ok: true; value: ParsedMongoUri } | { ok: false; reason: string };

const EXAMPLES = 'e.g. mongodb://db1:27017,db2:27017,db3:27017/contactflow?replicaSet=rs0 or mongodb+srv://cluster0.example.net/contactflow';

/** Messages of mongodb-connection-string-url that interpolate nothing (so they can never carry a secret). */
const SAFE_PARSER_MESSAGES = new Map<string, string>([
  ['Invalid connection string', 'it is not a valid connection string (an @ : / or ? in the user name or password must be percent-encoded, e.g. %40 for @)'],
  ['URI malformed', 'the user name or password has a malformed %-escape'],
  ['Protocol and host list are required in the uri', 'it names no host'],
  ['URI contained empty userinfo section', 'it has an empty user name or password before "@"'],
  ['Password contains unescaped characters', 'the password contains unescaped characters (percent-encode : / ? # [ ] @ $)'],
  ['mongodb+srv URI cannot have multiple service names', 'a mongodb+srv URI names exactly one host (the SRV record), not a list'],
  ['mongodb+srv URI cannot have port number', 'a mongodb+srv URI takes no port (the SRV record supplies them)'],
]);

/** Deprecated write-concern aliases in the URI that would take precedence over the code's options. */
const OVERRIDING_WRITE_CONCERN_OPTIONS = new Set(['j', 'wtimeout', 'fsync']);

/** The path names the database the app stores its data in (and authenticates against, without authSource). */
const SYSTEM_DATABASES = new Set(['admin', 'local', 'config']);

// https://www.mongodb.com/docs/manual/reference/limits/#naming-restrictions
const INVALID_DB_CHARS = /[/\\. "$\0]/;

/**
 * Parses MONGODB_URI the way the driver does (mongodb-connection-string-url, then the driver's own
 * option parser), so every URI the driver accepts is accepted here, replica-set host lists included.
 * A refusal says why in words of its own: it never repeats the URI, the password or an option value.
 */
export function parseMongoUri(uri: string): MongoUriCheck {
  const refuse = (reason: string): MongoUriCheck => ({ ok: false, reason: `${reason} (${EXAMPLES})` });
  if (!uri.startsWith('mongodb://') && !uri.startsWith('mongodb+srv://')) {
    return refuse('must start with mongodb:// or mongodb+srv://');
  }
  let url: ConnectionString;
  try {
    url = new ConnectionString(uri);
  } catch (err) {
    const message = err instanceof Error ? err.message : '';
    if (SAFE_PARSER_MESSAGES.has(message)) return refuse(SAFE_PARSER_MESSAGES.get(message)!);
    if (message.startsWith('Username contains unescaped characters')) {
      return refuse('the user name contains unescaped characters (percent-encode : / ? # [ ] @ $)');
    }
    // e.g. WHATWG "Invalid URL: <the whole URI>": its text is never repeated.
    return refuse('it is not a valid connection string');
  }
  const hosts = url.hosts;
  if (hosts.some((h) => h === '')) return refuse('its host list has an empty entry');
  for (const host of hosts) {
    const port = /^(?:\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(host)?.[1];
    if (port !== undefined && !(/^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) {
      return refuse('a host has a port that is not a number from 1 to 65535');
    }
  }
  let database: string | null = null;
  const path = url.pathname.replace(/^\//, '');
  if (path !== '') {
    try {
      database = decodeURIComponent(path);
    } catch {
      return refuse('the database name has a malformed %-escape');
    }
    if (INVALID_DB_CHARS.test(database) || Buffer.byteLength(database) >= 64) {
      return refuse('the database name must be shorter than 64 bytes and contain none of / \\ . " $ or a space');
    }
  }
  for (const key of url.searchParams.keys()) {
    // Aliases the driver applies after the write concern given in code, so they would weaken it.
    if (OVERRIDING_WRITE_CONCERN_OPTIONS.has(key.toLowerCase())) {
      return refuse(`the option ${key} changes the write concern, which contactflow sets itself (w=majority, journal=true): remove it`);
    }
  }
  // The driver's own option parser (unknown or repeated options, bad values, tls/srv combinations).
  // Constructing a client does not connect.
  try {
    new mongoose.mongo.MongoClient(uri, mongoDriverOptions(DEFAULT_TIMEOUTS));
  } catch (err) {
    return refuse(`the driver refuses it: ${redact(err instanceof Error ? err.message : String(err), url)}`);
  }
  return { ok: true, value: { srv: url.isSRV, hosts: [...hosts], database } };
}

/**
 * Why the database a URI names cannot hold the app's data, or null. Used where the URI's path is the
 * app's database (the config; a connection without a dbName override): a path of "admin" is usually
 * meant as the authentication database, which belongs in authSource, and "local" is not replicated.
 */
export function appDatabaseProblem(database: string | null): string | null {
  if (database === null || !SYSTEM_DATABASES.has(database)) return null;
  return `it names the system database "${database}" as the app's database: put the authentication database in ?authSource=${database} and leave the path empty (database contactflow) or name the app's database there`;
}

/** Replaces the password and every credential-like option value of the URI in a message. */
function redact(message: string, url: ConnectionString): string {
  const secrets = new Set<string>();
  const add = (raw: string) => {
    if (!raw) return;
    secrets.add(raw);
    try {
      secrets.add(decodeURIComponent(raw));
    } catch {
      // the raw form is enough
    }
  };
  add(url.password);
  for (const [key, value] of url.searchParams) {
    if (/pass|secret|token|key|authMechanismProperties/i.test(key)) add(value);
  }
  let out = message;
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) out = out.split(s).join('****');
  return out;
}

/**
 * The driver options set in code. Options given here take precedence over the same options in the
 * URI, so neither durability nor read routing depends on how the URI was written
 * (docs/storage.md, "Write concern, read preference, timeouts").
 */
export function mongoDriverOptions(t: MongoTimeouts) {
  return {
    // Acknowledged = on the journal of a majority of voting members: a failover cannot roll it back.
    // Given as w / journal / wtimeoutMS (not a writeConcern object), the form that wins over the
    // same options in the URI.
    w: 'majority' as const,
    journal: true,
    wtimeoutMS: t.operationTimeoutMS,
    // Read-after-write in the worker: reads go where the writes went.
    readPreference: 'primary' as const,
    retryWrites: true,
    retryReads: true,
    serverSelectionTimeoutMS: t.serverSelectionTimeoutMS,
    socketTimeoutMS: t.operationTimeoutMS + SOCKET_TIMEOUT_MARGIN_MS,
    waitQueueTimeoutMS: t.operationTimeoutMS,
  };
}

export interface MongoConnectionSettings {
  /** What `mongoose.createConnection(uri, options)` receives for the repositories' connection. */
  options: ConnectOptions;
  /** `connection.set('maxTimeMS', …)`: the server stops a find, count or findOneAndUpdate after it. */
  maxTimeMS: number;
  /**
   * The connection that creates and drops indexes at start: the same, except that nothing bounds
   * one round trip, because building an index on a large collection takes as long as it takes.
   */
  indexOptions: ConnectOptions;
  /** The database the connection uses (from the URI, the caller, or DEFAULT_DATABASE). */
  database: string;
}

/**
 * Settings for one MongoDB connection of the app. `dbName` is passed only when the caller overrides
 * the database (tests) or the URI names none, so a database in the URI is used as written.
 */
export function mongoConnectionSettings(
  uri: string,
  opts: { dbName?: string; timeouts?: Partial<MongoTimeouts> } = {},
): MongoConnectionSettings {
  const parsed = parseMongoUri(uri);
  if (!parsed.ok) throw new Error(`MONGODB_URI ${parsed.reason}`);
  const problem = opts.dbName === undefined ? appDatabaseProblem(parsed.value.database) : null;
  if (problem) throw new Error(`MONGODB_URI ${problem}`);
  const timeouts: MongoTimeouts = { ...DEFAULT_TIMEOUTS, ...definedOnly(opts.timeouts ?? {}) };
  const dbName = opts.dbName ?? (parsed.value.database === null ? DEFAULT_DATABASE : undefined);
  const mongooseOptions = {
    ...(dbName === undefined ? {} : { dbName }),
    // Indexes are created explicitly at start (ensureIndexes), never implicitly by mongoose.
    autoIndex: false,
    autoCreate: false,
    // Fail fast with the driver's own (classifiable) errors instead of queueing operations while
    // disconnected.
    bufferCommands: false,
    // Connection-scoped (does not touch the global mongoose): any filter value that is an object
    // with `$` keys is wrapped in `$eq`. The repositories additionally accept only strings.
    sanitizeFilter: true,
  };
  const driver = mongoDriverOptions(timeouts);
  return {
    options: { ...driver, ...mongooseOptions },
    maxTimeMS: timeouts.operationTimeoutMS,
    indexOptions: {
      ...driver,
      wtimeoutMS: 0,
      socketTimeoutMS: 0,
      waitQueueTimeoutMS: 0,
      ...mongooseOptions,
    },
    database: dbName ?? parsed.value.database ?? DEFAULT_DATABASE,
  };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
