import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Development only: without BOOTSTRAP_API_KEY the first start generates a key and keeps it in
 * DATA_DIR/api-key (mode 600), so the README's curl keeps working across restarts.
 */
export function loadOrCreateDevApiKey(dataDir: string, generate: () => string): { key: string; created: boolean; file: string } {
  const file = path.resolve(dataDir, 'api-key');
  if (existsSync(file)) {
    const key = readFileSync(file, 'utf8').trim();
    if (key.length >= 24) return { key, created: false, file };
  }
  mkdirSync(path.dirname(file), { recursive: true });
  const key = generate();
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return { key, created: true, file };
}
