import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Development only: without WEBHOOK_SECRET the first start generates the bootstrap account's
 * webhook secret and keeps it in DATA_DIR/webhook-secret (mode 600), so a sender configured once
 * keeps working across restarts (same approach as the dev API key).
 */
export function loadOrCreateDevWebhookSecret(dataDir: string, generate: () => string): { secret: string; created: boolean; file: string } {
  const file = path.resolve(dataDir, 'webhook-secret');
  if (existsSync(file)) {
    const secret = readFileSync(file, 'utf8').trim();
    if (secret.length >= 24) return { secret, created: false, file };
  }
  mkdirSync(path.dirname(file), { recursive: true });
  const secret = generate();
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return { secret, created: true, file };
}
