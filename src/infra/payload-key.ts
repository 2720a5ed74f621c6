import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config';
import { createPayloadCipher, decodePayloadKey, generatePayloadKey, type PayloadCipher } from '../jobs/payload-cipher';
import { loadOrCreateDevSecret } from './dev-secret';

/**
 * The cipher of job payloads at rest in Redis. PAYLOAD_KEY when set (required in production:
 * parseConfig says so), and PAYLOAD_KEY_PREVIOUS while a rotation drains; otherwise a key generated
 * under DATA_DIR, which every process started from the same directory shares.
 */
export function resolvePayloadCipher(
  config: Pick<Config, 'PAYLOAD_KEY' | 'PAYLOAD_KEY_PREVIOUS' | 'NODE_ENV' | 'DATA_DIR'>,
  { create = true }: { create?: boolean } = {},
): PayloadCipher {
  const text = config.PAYLOAD_KEY ?? (create ? devKey(config) : existingDevKey(config));
  const previous = config.PAYLOAD_KEY_PREVIOUS ? [decode(config.PAYLOAD_KEY_PREVIOUS)] : [];
  return createPayloadCipher(decode(text), previous);
}

function devKey(config: Pick<Config, 'NODE_ENV' | 'DATA_DIR'>): string {
  if (config.NODE_ENV === 'production') throw new Error('PAYLOAD_KEY is required when NODE_ENV=production');
  return loadOrCreateDevSecret(config.DATA_DIR, 'payload-key', generatePayloadKey).value;
}

/**
 * For tools that only re-run what the service sealed (the replay CLI): a key they generated
 * themselves would seal jobs no worker can open, so without one they stop and say where to look.
 */
function existingDevKey(config: Pick<Config, 'NODE_ENV' | 'DATA_DIR'>): string {
  if (config.NODE_ENV === 'production') throw new Error('PAYLOAD_KEY is required when NODE_ENV=production');
  const file = path.resolve(config.DATA_DIR, 'payload-key');
  if (!existsSync(file)) throw new Error(`No payload key: set PAYLOAD_KEY, or run from where the service keeps ${file} (DATA_DIR)`);
  return readFileSync(file, 'utf8').trim();
}

function decode(text: string): Buffer {
  const key = decodePayloadKey(text);
  if (!key) throw new Error('a payload key must be 32 bytes in base64 or hex');
  return key;
}
