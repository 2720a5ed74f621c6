/**
 * No Docker engine runs here or in CI, so docker-compose.yml is checked statically: Debian's
 * docker-compose validates it against the Compose schema and resolves it, and we assert on the
 * resolved result (after anchors, merges and interpolation) rather than on the raw text.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';

const ROOT = path.resolve(__dirname, '../..');
const COMPOSE_FILE = path.join(ROOT, 'docker-compose.yml');

// The file requires these (`${VAR:?…}`); dummy values keep interpolation from failing.
const ENV = {
  ...process.env,
  BOOTSTRAP_API_KEY: 'test-only-bootstrap-key-0123456789',
  SUPPRESSION_KEY: 'test-only-suppression-key-0123456789abcdef',
  PAYLOAD_KEY: 'dGVzdC1vbmx5LXBheWxvYWQta2V5LTAxMjM0NTY3ODk=',
  ADMIN_PASSWORD: 'test-only-admin-password',
};

function compose(file: string, ...args: string[]) {
  return composeWithEnv(ENV, file, ...args);
}
function composeWithEnv(env: NodeJS.ProcessEnv, file: string, ...args: string[]) {
  return spawnSync('docker-compose', ['-f', file, ...args], { cwd: path.dirname(file), env, encoding: 'utf8' });
}

const probe = spawnSync('docker-compose', ['version'], { encoding: 'utf8' });
const available = !probe.error && probe.status === 0;
const INSTALL_HINT = 'install it with `apt-get install -y --no-install-recommends docker-compose`';

if (!available && process.env.CI) {
  // CI installs the binary, so its absence there is a broken pipeline, not a reason to skip.
  test('docker-compose is installed', () => {
    throw new Error(`docker-compose not found (${probe.error?.message ?? probe.stderr}); ${INSTALL_HINT}`);
  });
} else if (!available) {
  console.warn(`\n*** SKIPPING docker-compose.yml validation: no docker-compose binary; ${INSTALL_HINT} ***\n`);
}

(available ? describe : describe.skip)('docker-compose.yml', () => {
  type Service = {
    build?: string | { context: string; dockerfile?: string };
    command?: string | string[];
    environment?: Record<string, string> | string[];
    depends_on?: Record<string, { condition?: string }> | string[];
    healthcheck?: { test: string | string[] };
  };
  let services: Record<string, Service>;

  // Compose v1 and v2 print these in different shapes (string vs list, map vs KEY=VALUE list).
  const words = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join(' ') : (v ?? ''));
  const env = (s: Service) =>
    Array.isArray(s.environment)
      ? Object.fromEntries(s.environment.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]))
      : (s.environment ?? {});
  const build = (s: Service) => {
    const b = typeof s.build === 'string' ? { context: s.build } : s.build;
    return { context: b?.context ?? '', dockerfile: b?.dockerfile ?? 'Dockerfile' };
  };

  beforeAll(() => {
    const result = compose(COMPOSE_FILE, 'config');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    services = parse(result.stdout).services;
  });

  test('passes `config -q` validation', () => {
    const result = compose(COMPOSE_FILE, 'config', '-q');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  test('refuses to resolve without BOOTSTRAP_API_KEY rather than start the api without one', () => {
    const { BOOTSTRAP_API_KEY: _omitted, ...withoutKey } = ENV;
    const result = composeWithEnv(withoutKey, COMPOSE_FILE, 'config', '-q');
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('set BOOTSTRAP_API_KEY');
  });

  test('refuses to resolve without SUPPRESSION_KEY rather than start api or worker without one', () => {
    const { SUPPRESSION_KEY: _omitted, ...withoutKey } = ENV;
    const result = composeWithEnv(withoutKey, COMPOSE_FILE, 'config', '-q');
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('set SUPPRESSION_KEY');
  });

  test.each(['api', 'worker'])('%s gets the same SUPPRESSION_KEY', (name) => {
    expect(env(services[name]!).SUPPRESSION_KEY).toBe(ENV.SUPPRESSION_KEY);
  });

  test('refuses to resolve without PAYLOAD_KEY, and api and worker get the same one', () => {
    const { PAYLOAD_KEY: _omitted, ...withoutKey } = ENV;
    const result = composeWithEnv(withoutKey, COMPOSE_FILE, 'config', '-q');
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('set PAYLOAD_KEY');
    expect(env(services.api!).PAYLOAD_KEY).toBe(ENV.PAYLOAD_KEY);
    expect(env(services.worker!).PAYLOAD_KEY).toBe(ENV.PAYLOAD_KEY);
  });

  test('defines redis, mongo, api and worker', () => {
    expect(Object.keys(services)).toEqual(expect.arrayContaining(['redis', 'mongo', 'api', 'worker']));
  });

  test('redis keeps every BullMQ key and persists it', () => {
    expect(words(services.redis!.command)).toContain('noeviction');
    expect(words(services.redis!.command)).toContain('appendonly yes');
  });

  test('mongo runs as a replica set', () => {
    expect(words(services.mongo!.command)).toContain('--replSet');
  });

  test.each(['redis', 'mongo', 'api', 'worker'])('%s has a healthcheck', (name) => {
    expect(words(services[name]!.healthcheck?.test)).not.toBe('');
  });

  test('api and worker are the same image, told apart only by ROLE', () => {
    const [api, worker] = [services.api!, services.worker!];
    expect(build(api)).toEqual(build(worker));
    expect(path.resolve(ROOT, build(api).context)).toBe(ROOT);
    expect(env(api).ROLE).toBe('api');
    expect(env(worker).ROLE).toBe('worker');
  });

  test.each(['api', 'worker'])('%s waits for healthy redis and mongo', (name) => {
    expect(services[name]!.depends_on).toEqual({
      redis: expect.objectContaining({ condition: 'service_healthy' }),
      mongo: expect.objectContaining({ condition: 'service_healthy' }),
    });
  });

  // Proves the validation above can fail: each broken copy must be rejected.
  describe('rejects a broken copy', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'compose-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    const original = () => readFileSync(COMPOSE_FILE, 'utf8');
    // The expected message ties each failure to its mutation, not to some unrelated breakage.
    test.each([
      ['an unknown service key', /not_a_compose_key/, () => original().replace(/^  redis:\n/m, '  redis:\n    not_a_compose_key: 1\n')],
      ['broken indentation', /line \d+/, () => original().replace(/^    image: redis:7\n/m, '      image: redis:7\n')],
    ])('%s', (_label, message, mutate) => {
      const broken = mutate();
      expect(broken).not.toBe(original()); // a mutation that silently stops matching proves nothing
      const file = path.join(dir, 'docker-compose.yml');
      writeFileSync(file, broken);
      const result = compose(file, 'config', '-q');
      expect(result.status).not.toBe(0);
      expect(result.stderr).toMatch(message);
    });
  });
});
