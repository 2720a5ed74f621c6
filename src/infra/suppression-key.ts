import { randomBytes } from 'node:crypto';
import type { Config } from '../config';
import { loadOrCreateDevSecret } from './dev-secret';

// One per test process: in-process app instances sharing a store (api + worker) then hash alike.
let testKey: string | undefined;

/**
 * The key of the suppression hashes (src/domain/suppression.ts). SUPPRESSION_KEY when set (always
 * in production: parseConfig requires it); in development a generated one kept under DATA_DIR, so
 * suppressions made yesterday still match after a restart; in tests a fresh one per process.
 */
export function resolveSuppressionKey(config: Pick<Config, 'SUPPRESSION_KEY' | 'NODE_ENV' | 'DATA_DIR'>): string {
  if (config.SUPPRESSION_KEY) return config.SUPPRESSION_KEY;
  if (config.NODE_ENV === 'production') throw new Error('SUPPRESSION_KEY is required when NODE_ENV=production');
  if (config.NODE_ENV === 'test') return (testKey ??= generateSuppressionKey());
  return loadOrCreateDevSecret(config.DATA_DIR, 'suppression-key', generateSuppressionKey).value;
}

export function generateSuppressionKey(): string {
  return randomBytes(32).toString('base64url');
}
