import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ConfigError, parseConfig } from '../../src/config';

/** The only reader of process.env: defaults that run as-is, and one clear error naming every bad variable. */
const PAYLOAD_KEY = Buffer.alloc(32, 7).toString('base64');

describe('parseConfig', () => {
  it('runs on an empty environment with the documented defaults', () => {
    const c = parseConfig({});
    expect(c).toMatchObject({
      ROLE: 'all',
      PORT: 3000,
      REDIS_PREFIX: '{contactflow}',
      STORE: 'auto',
      WORKER_CONCURRENCY: 20,
      JOB_ATTEMPTS: 8,
      MAX_QUEUE_DEPTH: 100_000,
      DEFAULT_COUNTRY: 'US',
    });
    expect(c.ADMIN_PASSWORD).toBeUndefined();
  });

  it('takes ROLE=worker and coerces numbers', () => {
    expect(parseConfig({ ROLE: 'worker', WORKER_CONCURRENCY: '7', DEFAULT_COUNTRY: 'de' })).toMatchObject({
      ROLE: 'worker',
      WORKER_CONCURRENCY: 7,
      DEFAULT_COUNTRY: 'DE',
    });
  });

  it('names every offending variable in one error', () => {
    let error: unknown;
    try {
      parseConfig({ ROLE: 'sometimes', WORKER_CONCURRENCY: '0', REDIS_PREFIX: 'contactflow', REDIS_URL: 'http://x' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const issues = (error as ConfigError).issues;
    for (const name of ['ROLE', 'WORKER_CONCURRENCY', 'REDIS_PREFIX', 'REDIS_URL']) {
      expect(issues.some((i) => i.startsWith(`${name}:`))).toBe(true);
    }
    expect((error as Error).message).toMatch(/^Invalid configuration:\n {2}- /);
  });

  describe('ADMIN_PASSWORD strength in production', () => {
    const production = { NODE_ENV: 'production', BOOTSTRAP_API_KEY: 'k'.repeat(32), SUPPRESSION_KEY: 's'.repeat(40), PAYLOAD_KEY };
    const issuesOf = (env: Record<string, string>): string[] => {
      try {
        parseConfig(env);
        return [];
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as ConfigError).issues;
      }
    };

    it('refuses a short or repetitive one, naming the variable and never echoing the value', () => {
      for (const password of ['pw', 'fifteen-chars!!', 'aaaaaaaaaaaaaaaaaaaa', 'abababababababababab']) {
        const issues = issuesOf({ ...production, ADMIN_PASSWORD: password });
        expect(issues).toEqual([expect.stringMatching(/^ADMIN_PASSWORD: too weak for NODE_ENV=production/)]);
        expect(issues.join('\n')).not.toContain(password);
      }
    });

    it('accepts a long random one, and leaves it unset (admin routes off) when not given', () => {
      expect(parseConfig({ ...production, ADMIN_PASSWORD: 'f3a9c1d0e8b7a6c5d4e3f2a1' }).ADMIN_PASSWORD).toBe('f3a9c1d0e8b7a6c5d4e3f2a1');
      expect(parseConfig(production).ADMIN_PASSWORD).toBeUndefined();
    });

    it('takes a short one outside production (start warns)', () => {
      expect(parseConfig({ NODE_ENV: 'development', ADMIN_PASSWORD: 'pw' }).ADMIN_PASSWORD).toBe('pw');
    });
  });

  describe('ADMIN_PORT, TRUST_PROXY and AUTH_FAILURES_PER_MINUTE', () => {
    it('defaults: admin on PORT, no proxy trusted, 30 failed authentications per minute', () => {
      const c = parseConfig({});
      expect(c.ADMIN_PORT).toBeUndefined();
      expect(c.TRUST_PROXY).toBeUndefined();
      expect(c.AUTH_FAILURES_PER_MINUTE).toBe(30);
    });

    it('parses a separate admin port and refuses PORT itself', () => {
      expect(parseConfig({ ADMIN_PORT: '9100' }).ADMIN_PORT).toBe(9100);
      expect(() => parseConfig({ PORT: '9100', ADMIN_PORT: '9100' })).toThrow(/ADMIN_PORT: must differ from PORT/);
    });

    it('takes a hop count or a list of proxies, never `true`', () => {
      expect(parseConfig({ TRUST_PROXY: '1' }).TRUST_PROXY).toBe(1);
      expect(parseConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8, fd00::1' }).TRUST_PROXY).toEqual(['loopback', '10.0.0.0/8', 'fd00::1']);
      expect(() => parseConfig({ TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY:/);
    });
  });

  describe('MONGODB_URI: every URI the driver accepts, refusals that never echo the password', () => {
    const accepts = (uri: string) => expect(parseConfig({ MONGODB_URI: uri }).MONGODB_URI).toBe(uri);
    const refusal = (uri: string): string => {
      try {
        parseConfig({ MONGODB_URI: uri });
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        const issues = (err as ConfigError).issues.filter((i) => i.startsWith('MONGODB_URI:'));
        expect(issues).toHaveLength(1);
        return issues[0]!;
      }
      throw new Error(`accepted ${uri}`);
    };

    it('accepts a single host, with and without port and database', () => {
      accepts('mongodb://localhost');
      accepts('mongodb://localhost:27017/contactflow');
      accepts('mongodb://10.0.0.5:27018/');
    });

    it('accepts a self-hosted replica set: several hosts with ports, replicaSet and other options', () => {
      accepts('mongodb://db1:27017,db2:27017,db3:27017/contactflow?replicaSet=rs0');
      accepts('mongodb://db1.internal:27017,db2.internal:27018/?replicaSet=rs0&authSource=admin&tls=true&appName=contactflow');
      accepts('mongodb://[::1]:27017,[::1]:27018/contactflow?replicaSet=rs0&readPreference=primary&w=majority');
    });

    it('accepts mongodb+srv (Atlas), including the options Atlas puts in its URIs', () => {
      accepts('mongodb+srv://cluster0.abcde.mongodb.net/contactflow?retryWrites=true&w=majority&appName=Cluster0');
      accepts('mongodb+srv://app:s3cret@cluster0.abcde.mongodb.net/');
    });

    it('accepts credentials with percent-escaped characters', () => {
      accepts('mongodb://app:p%40ss%3Aw%2Frd@db1:27017,db2:27017/contactflow?replicaSet=rs0&authSource=admin');
      accepts('mongodb://us%40er:p%25ss@localhost/contactflow');
    });

    it('takes the MongoDB timeouts, 15 s each by default', () => {
      expect(parseConfig({})).toMatchObject({ MONGODB_SERVER_SELECTION_TIMEOUT_MS: 15_000, MONGODB_OPERATION_TIMEOUT_MS: 15_000 });
      expect(parseConfig({ MONGODB_SERVER_SELECTION_TIMEOUT_MS: '12000', MONGODB_OPERATION_TIMEOUT_MS: '5000' })).toMatchObject({
        MONGODB_SERVER_SELECTION_TIMEOUT_MS: 12_000,
        MONGODB_OPERATION_TIMEOUT_MS: 5_000,
      });
      expect(() => parseConfig({ MONGODB_OPERATION_TIMEOUT_MS: '0' })).toThrow(/MONGODB_OPERATION_TIMEOUT_MS/);
    });

    it.each([
      ['http://db1:27017/contactflow', /must start with mongodb:\/\/ or mongodb\+srv:\/\//],
      ['garbage', /must start with mongodb:\/\/ or mongodb\+srv:\/\//],
      ['mongodb+srv://cluster0.abcde.mongodb.net:27017/contactflow', /mongodb\+srv URI takes no port/],
      ['mongodb+srv://a.example.net,b.example.net/contactflow', /names exactly one host/],
      ['mongodb://', /names no host/],
      ['mongodb:///contactflow', /names no host/],
      ['mongodb://db1,,db2/contactflow', /empty entry/],
      ['mongodb://db1:99999/contactflow', /port that is not a number/],
      ['mongodb://db1/contact.flow', /database name/],
      ['mongodb://db1/contactflow?noSuchOption=1', /driver refuses it: option nosuchoption is not supported/],
      ['mongodb://db1/contactflow?j=false', /changes the write concern/],
      ['mongodb://app:pw@db1/admin', /system database "admin".*authSource=admin/],
      ['mongodb://db1/local?replicaSet=rs0', /system database "local"/],
    ])('refuses %s, saying why', (uri, why) => {
      const issue = refusal(uri);
      expect(issue).toMatch(/^MONGODB_URI: not a usable MongoDB connection string: /);
      expect(issue).toMatch(why);
    });

    it.each([
      'mongodb://app:hunter2secret@db1:27017/contactflow?noSuchOption=1', // driver option error
      'mongodb://app:hunter2secret@db1:99999/contactflow', // our own check
      'mongodb://app:hunter2@secret@db1/contactflow', // unescaped @: the parser's own message would show the URI
      'mongodb://app:hunter2%ZZsecret@db1/contactflow', // malformed escape
      'mongodb://app:hunter2:secret@db1/contactflow', // unescaped ':'
      'mongodbx://app:hunter2secret@db1/contactflow',
    ])('never repeats the password or the URI in the refusal of %s', (uri) => {
      let message = '';
      try {
        parseConfig({ MONGODB_URI: uri });
      } catch (err) {
        message = `${(err as Error).message}\n${JSON.stringify(err)}`;
      }
      expect(message).toMatch(/MONGODB_URI: not a usable MongoDB connection string/);
      expect(message).not.toMatch(/hunter2|secret/);
      expect(message).not.toContain('db1/contactflow');
    });
  });

  it('requires a known API key in production, except for a worker', () => {
    const SUPPRESSION_KEY = 's'.repeat(32);
    expect(() => parseConfig({ NODE_ENV: 'production', SUPPRESSION_KEY, PAYLOAD_KEY })).toThrow(/BOOTSTRAP_API_KEY: required when NODE_ENV=production/);
    expect(parseConfig({ NODE_ENV: 'production', ROLE: 'worker', SUPPRESSION_KEY, PAYLOAD_KEY }).ROLE).toBe('worker');
  });

  it('requires a 32-byte payload key in production on every role, and never repeats a refused one', () => {
    const env = { NODE_ENV: 'production', BOOTSTRAP_API_KEY: 'k'.repeat(24), SUPPRESSION_KEY: 's'.repeat(32) };
    expect(() => parseConfig(env)).toThrow(/PAYLOAD_KEY: required when NODE_ENV=production/);
    expect(() => parseConfig({ ...env, ROLE: 'worker' })).toThrow(/PAYLOAD_KEY: required/);
    expect(parseConfig({ ...env, PAYLOAD_KEY }).PAYLOAD_KEY).toBe(PAYLOAD_KEY);
    expect(parseConfig({ ...env, PAYLOAD_KEY: 'ab'.repeat(32) }).PAYLOAD_KEY).toBe('ab'.repeat(32));
    const refused = (() => {
      try {
        parseConfig({ ...env, PAYLOAD_KEY: 'hunter2-is-not-32-bytes' });
        return '';
      } catch (err) {
        return (err as Error).message;
      }
    })();
    expect(refused).toMatch(/PAYLOAD_KEY: must be 32 bytes/);
    expect(refused).not.toContain('hunter2');
    expect(() => parseConfig({ PAYLOAD_KEY_PREVIOUS: 'short' })).toThrow(/PAYLOAD_KEY_PREVIOUS: must be 32 bytes/);
  });

  it('requires the suppression key in production on every role, at least 32 characters', () => {
    const BOOTSTRAP_API_KEY = 'k'.repeat(24);
    expect(() => parseConfig({ NODE_ENV: 'production', BOOTSTRAP_API_KEY, PAYLOAD_KEY })).toThrow(/SUPPRESSION_KEY: required when NODE_ENV=production/);
    expect(() => parseConfig({ NODE_ENV: 'production', ROLE: 'worker' })).toThrow(/SUPPRESSION_KEY: required/);
    expect(() => parseConfig({ SUPPRESSION_KEY: 'short' })).toThrow(/SUPPRESSION_KEY: must be at least 32 characters/);
    expect(parseConfig({}).SUPPRESSION_KEY).toBeUndefined(); // development generates one under DATA_DIR
  });
});

it('the process stops at start with that message and exit code 78 (EX_CONFIG)', () => {
  const run = spawnSync(path.resolve('node_modules/.bin/tsx'), ['src/main.ts'], {
    env: { PATH: process.env.PATH, ROLE: 'sometimes' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(run.status).toBe(78);
  expect(run.stderr).toMatch(/Invalid configuration:\n {2}- ROLE: /);
});
