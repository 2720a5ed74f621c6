import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ConfigError, parseConfig } from '../../src/config';

/** The only reader of process.env: defaults that run as-is, and one clear error naming every bad variable. */
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

  it('requires a known API key in production, except for a worker', () => {
    expect(() => parseConfig({ NODE_ENV: 'production' })).toThrow(/BOOTSTRAP_API_KEY: required when NODE_ENV=production/);
    expect(parseConfig({ NODE_ENV: 'production', ROLE: 'worker' }).ROLE).toBe('worker');
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
