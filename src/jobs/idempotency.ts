import { hash } from 'node:crypto';

/**
 * Where an activity's (or page view's) id comes from, in one place for every intake route. The sources are
 * namespaced so they can never collide: a client's Idempotency-Key "scheduling:evt_1" is not the
 * scheduling provider's event evt_1 (which would otherwise answer the real webhook `duplicate`).
 */
export const IDEMPOTENCY_KEY_SHAPE = /^[\x21-\x7e]{1,255}$/;

export type IdempotencySource =
  | { kind: 'client'; key: string }
  | { kind: 'content'; value: unknown }
  | { kind: 'webhook'; provider: string; eventId: string | null; rawBody: Buffer }
  /** POST /v1/page-views: its own namespace, so a page view's key never equals an activity's. */
  | { kind: 'page-view'; of: { kind: 'client'; key: string } | { kind: 'content'; value: unknown } };

export function idempotencyKey(source: IdempotencySource): string {
  switch (source.kind) {
    case 'client':
      return `client:${source.key}`;
    case 'content':
      // Canonical JSON: the same activity sent to /v1/activities or inside a batch, with any
      // whitespace or key order, is one activity.
      return `content:${sha256(canonicalJson(source.value))}`;
    case 'webhook':
      return source.eventId ? `webhook:${source.provider}:${source.eventId}` : `webhook:${source.provider}:bytes:${sha256(source.rawBody)}`;
    case 'page-view':
      return `page-view:${idempotencyKey(source.of)}`;
  }
}

/** JSON with object keys sorted at every depth (arrays keep their order). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
}

function sha256(data: string | Buffer): string {
  return hash('sha256', data, 'hex');
}
