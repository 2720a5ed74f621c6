import type { Connection } from 'mongoose';
import { parseConfig } from '../../src/config';
import { resolveStore } from '../../src/infra/store';
import { isTransientMongoError, mongoRepositoriesOver, openMongoConnection } from '../../src/repositories/mongo';
import {
  DEFAULT_DATABASE,
  mongoConnectionSettings,
  mongoDriverOptions,
  parseMongoUri,
  SOCKET_TIMEOUT_MARGIN_MS,
} from '../../src/repositories/mongo/connection-options';
import { createLogger } from '../../src/shared/logger';

/**
 * What reaches mongoose and the driver when the app opens MongoDB, without a server: the options
 * built in connection-options.ts, and what the driver makes of them together with a URI that tries
 * to say otherwise (the options set in code must win). Nothing here connects successfully: the
 * connections point at a closed port.
 */
describe('MongoDB connection options (no server needed)', () => {
  const CLOSED = 'mongodb://127.0.0.1:9';

  it('pins every option of the repositories’ connection', () => {
    const s = mongoConnectionSettings(`${CLOSED},127.0.0.1:10/?replicaSet=rs0`);
    expect(s.options).toEqual({
      w: 'majority',
      journal: true,
      wtimeoutMS: 15_000,
      readPreference: 'primary',
      retryWrites: true,
      retryReads: true,
      serverSelectionTimeoutMS: 15_000,
      socketTimeoutMS: 15_000 + SOCKET_TIMEOUT_MARGIN_MS,
      waitQueueTimeoutMS: 15_000,
      dbName: DEFAULT_DATABASE,
      autoIndex: false,
      autoCreate: false,
      bufferCommands: false,
      sanitizeFilter: true,
    });
    expect(s.maxTimeMS).toBe(15_000);
    expect(s.database).toBe('contactflow');
    // Index management: the same, except that no round trip is cut short (index builds take long).
    expect(s.indexOptions).toEqual({ ...s.options, wtimeoutMS: 0, socketTimeoutMS: 0, waitQueueTimeoutMS: 0 });
  });

  it('derives every bound from the two configured timeouts', () => {
    const s = mongoConnectionSettings(`${CLOSED}/cf`, { timeouts: { serverSelectionTimeoutMS: 12_000, operationTimeoutMS: 4_000 } });
    expect(s.options).toMatchObject({ serverSelectionTimeoutMS: 12_000, wtimeoutMS: 4_000, waitQueueTimeoutMS: 4_000, socketTimeoutMS: 9_000 });
    expect(s.maxTimeMS).toBe(4_000);
    // Undefined means "the default", not "unset".
    expect(mongoConnectionSettings(CLOSED, { timeouts: { operationTimeoutMS: undefined } }).maxTimeMS).toBe(15_000);
  });

  it('uses the database the URI names, else contactflow; passes dbName only when it must', () => {
    expect(mongoConnectionSettings(`${CLOSED}/crm?replicaSet=rs0`).options).not.toHaveProperty('dbName');
    expect(mongoConnectionSettings(`${CLOSED}/crm?replicaSet=rs0`).database).toBe('crm');
    expect(mongoConnectionSettings(`${CLOSED}/?authSource=admin`).options).toMatchObject({ dbName: 'contactflow' });
    expect(mongoConnectionSettings(CLOSED).database).toBe('contactflow');
    expect(mongoConnectionSettings(`${CLOSED}/crm`, { dbName: 'contactflow_test_1' }).options).toMatchObject({ dbName: 'contactflow_test_1' });
    // A system database in the path is refused as the app's database, but is fine as the
    // authentication database of a connection whose database is given (the test suites).
    expect(() => mongoConnectionSettings(`mongodb://app:pw@127.0.0.1:9/admin`)).toThrow(/system database "admin"/);
    expect(mongoConnectionSettings(`mongodb://app:pw@127.0.0.1:9/admin`, { dbName: 'contactflow_test_1' }).database).toBe('contactflow_test_1');
  });

  describe('through mongoose to the driver', () => {
    const opened: Connection[] = [];
    afterAll(async () => {
      for (const c of opened) await c.close();
    });
    const open = (uri: string, purpose: 'repositories' | 'indexes' = 'repositories') => {
      const connection = openMongoConnection(uri, mongoConnectionSettings(uri, { timeouts: { serverSelectionTimeoutMS: 200 } }), purpose);
      connection.asPromise().catch(() => undefined); // nothing listens on the port
      opened.push(connection);
      return connection;
    };

    it('the code’s write concern, read preference, retries and timeouts win over the URI’s', () => {
      const hostile =
        `mongodb://app:p%40ss@127.0.0.1:9,127.0.0.1:10/crm?replicaSet=rs0&w=1&journal=false&wtimeoutMS=1` +
        '&readPreference=secondary&retryWrites=false&retryReads=false&socketTimeoutMS=1&serverSelectionTimeoutMS=1&waitQueueTimeoutMS=1';
      const options = open(hostile).getClient().options;
      expect(options.writeConcern).toMatchObject({ w: 'majority', journal: true, wtimeoutMS: 15_000 });
      expect(options.readPreference.mode).toBe('primary');
      expect(options).toMatchObject({ retryWrites: true, retryReads: true, socketTimeoutMS: 20_000, serverSelectionTimeoutMS: 200, waitQueueTimeoutMS: 15_000 });
      // The rest of the URI is used as written.
      expect(options.replicaSet).toBe('rs0');
      expect(options.credentials?.password).toBe('p@ss');
      expect(options.hosts.map(String)).toEqual(['127.0.0.1:9', '127.0.0.1:10']);
    });

    it('the mongoose side: no implicit indexes or collections, no buffering, sanitized filters, maxTimeMS on queries', async () => {
      const connection = open(`${CLOSED}/crm`);
      expect(connection.config).toMatchObject({ autoIndex: false, autoCreate: false, bufferCommands: false, sanitizeFilter: true });
      expect(connection.get('maxTimeMS')).toBe(15_000);
      // …and mongoose hands it to the driver with each find and count of the repositories.
      const repos = mongoRepositoriesOver(connection);
      const collection = connection.models.Contact!.collection;
      const seen: unknown[] = [];
      jest.spyOn(collection, 'find').mockImplementation(((_filter: unknown, options: { maxTimeMS?: number }) => {
        seen.push(options.maxTimeMS);
        return Promise.resolve({ toArray: async () => [] });
      }) as never);
      jest.spyOn(collection, 'countDocuments').mockImplementation(((_filter: unknown, options: { maxTimeMS?: number }) => {
        seen.push(options.maxTimeMS);
        return Promise.resolve(0);
      }) as never);
      try {
        await repos.contacts.list('acme', { limit: 1 });
        await repos.contacts.count('acme');
      } finally {
        jest.restoreAllMocks();
      }
      expect(seen).toEqual([15_000, 15_000]);
    });

    it('the index connection: same durability, no round-trip bound, no maxTimeMS', () => {
      const connection = open(`${CLOSED}/crm`, 'indexes');
      const options = connection.getClient().options;
      expect(options.writeConcern).toMatchObject({ w: 'majority', journal: true });
      expect(options.socketTimeoutMS).toBe(0);
      expect(connection.get('maxTimeMS')).toBeUndefined();
    });
  });

  it('refuses the deprecated write-concern aliases the driver would apply after the code’s write concern', () => {
    for (const option of ['j=false', 'wtimeout=1', 'fsync=false', 'J=false']) {
      const parsed = parseMongoUri(`mongodb://h/db?${option}`);
      expect(parsed).toMatchObject({ ok: false, reason: expect.stringMatching(/changes the write concern/) });
    }
    // These aliases are the only way the URI still wins: the driver applies them after the code's options.
    expect(mongoDriverOptions({ serverSelectionTimeoutMS: 1, operationTimeoutMS: 1 })).not.toHaveProperty('writeConcern');
  });

  it('MONGODB_* settings of the config reach the driver: a 300 ms server selection fails in well under the 15 s default', async () => {
    const config = parseConfig({
      NODE_ENV: 'test',
      STORE: 'mongodb',
      MONGODB_URI: `${CLOSED}/contactflow`,
      MONGODB_SERVER_SELECTION_TIMEOUT_MS: '300',
    });
    const started = Date.now();
    const err = await resolveStore(config, createLogger('silent')).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(isTransientMongoError(err)).toBe(true);
  });
});
