import { execFileSync } from 'node:child_process';

/**
 * Integration suites start their own redis-server; without one on PATH they cannot run at all,
 * so say so once, loudly, instead of failing a hundred tests with ENOENT.
 */
export default async function globalSetup() {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
  } catch {
    const msg = 'redis-server is not on PATH: integration tests need it (apt-get install redis-server, or brew install redis).';
    if (process.env.CI) throw new Error(msg);
    console.warn(`\n⚠ ${msg}\n`);
  }
}
