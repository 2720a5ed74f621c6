import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Development only: a secret that was not configured (the bootstrap API key, the webhook secret,
 * the payload key) is generated on the first start and kept in DATA_DIR/<name> (mode 600), so the
 * README's curl and a webhook sender configured once keep working across restarts, and processes
 * started side by side share it.
 */
export function loadOrCreateDevSecret(dataDir: string, name: string, generate: () => string): { value: string; created: boolean; file: string } {
  const file = path.resolve(dataDir, name);
  const existing = read(file);
  if (existing) return { value: existing, created: false, file };
  mkdirSync(path.dirname(file), { recursive: true });
  if (existsSync(file)) rmSync(file); // too short to be one of ours
  // Written aside, then linked into place: link fails when another process got there first, and
  // then everyone uses the winner's secret rather than each its own.
  const draft = `${file}.${process.pid}.tmp`;
  writeFileSync(draft, `${generate()}\n`, { mode: 0o600 });
  let created = true;
  try {
    linkSync(draft, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    created = false;
  } finally {
    rmSync(draft, { force: true });
  }
  return { value: read(file)!, created, file };
}

function read(file: string): string | null {
  if (!existsSync(file)) return null;
  const value = readFileSync(file, 'utf8').trim();
  return value.length >= 24 ? value : null;
}
