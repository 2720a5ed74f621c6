import { Redis } from 'ioredis';

/**
 * Where test data's emails and phones must never appear in clear: the processes' logs and every
 * value Redis holds. `identifiers`: each as sent (case and spacing variants) and as stored (lower
 * case, E.164); a phone is also looked for as its bare digits.
 */
export function piiNeedles(identifiers: string[]): string[] {
  const out = new Set<string>();
  for (const raw of identifiers) {
    const v = raw.trim();
    if (!v) continue;
    out.add(v);
    out.add(v.toLowerCase());
    if (!v.includes('@')) {
      const digits = v.replace(/\D/g, '');
      if (digits.length >= 7) {
        out.add(digits);
        out.add(`+${digits}`);
      }
    }
  }
  return [...out];
}

/** The needles found in `text` (JSON escapes undone first), each with a short excerpt of where. */
export function findPii(text: string, identifiers: string[]): { needle: string; excerpt: string }[] {
  const hay = text.toLowerCase();
  const found: { needle: string; excerpt: string }[] = [];
  for (const needle of piiNeedles(identifiers)) {
    const at = hay.indexOf(needle.toLowerCase());
    if (at >= 0) found.push({ needle, excerpt: text.slice(Math.max(0, at - 120), at + needle.length + 60) });
  }
  return found;
}

/**
 * Every key of the Redis at `url` with every value it holds, whatever the type (string, hash, list,
 * set, sorted set, stream), as text: what a `SCAN` and a read of each key shows an intruder.
 */
export async function dumpRedis(url: string): Promise<{ keys: number; text: string; byKey: Map<string, string> }> {
  const redis = new Redis(url, { maxRetriesPerRequest: 3 });
  const byKey = new Map<string, string>();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        const type = await redis.type(key);
        let value: unknown;
        switch (type) {
          case 'string':
            value = await redis.get(key);
            break;
          case 'hash':
            value = await redis.hgetall(key);
            break;
          case 'list':
            value = await redis.lrange(key, 0, -1);
            break;
          case 'set':
            value = await redis.smembers(key);
            break;
          case 'zset':
            value = await redis.zrange(key, '0', '-1', 'WITHSCORES');
            break;
          case 'stream':
            value = await redis.xrange(key, '-', '+');
            break;
          default:
            value = `(${type})`;
        }
        byKey.set(key, `${key} ${JSON.stringify(value)}`);
      }
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  // JSON.stringify escapes nothing in emails or phones, but job data is JSON inside JSON: undo one level.
  const text = [...byKey.values()].join('\n').replace(/\\"/g, '"');
  return { keys: byKey.size, text, byKey };
}
