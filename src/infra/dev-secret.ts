import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Development only: a secret that was not configured (the bootstrap API key, the webhook secret)
 * is generated on the first start and kept in DATA_DIR/<name> (mode 600), so the README's curl and
 * a webhook sender configured once keep working across restarts.
 */
export function loadOrCreateDevSecret(dataDir: string, name: string, generate: () => string): { value: string; created: boolean; file: string } {
  const file = path.resolve(dataDir, name);
  if (existsSync(file)) {
    const value = readFileSync(file, 'utf8').trim();
    if (value.length >= 24) return { value, created: false, file };
  }
  mkdirSync(path.dirname(file), { recursive: true });
  const value = generate();
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return { value, created: true, file };
}
