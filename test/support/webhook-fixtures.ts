import { readFileSync } from 'node:fs';
import path from 'node:path';

/** A webhook fixture as parsed JSON (a fresh copy each call, so tests may mutate it). */
export function fixture(name: string): Record<string, any> {
  return JSON.parse(readFileSync(path.join(__dirname, '../fixtures/webhooks', `${name}.json`), 'utf8'));
}

export function fixtureBytes(name: string): Buffer {
  return readFileSync(path.join(__dirname, '../fixtures/webhooks', `${name}.json`));
}
