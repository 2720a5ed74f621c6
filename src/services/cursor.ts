import { z } from 'zod';
import { ValidationError } from '../shared/errors';

/**
 * Opaque page cursors: base64url of a small JSON position (the last item's sort value and id). A
 * client passes back what it got; anything that does not decode to the expected shape is a 400, so
 * a forged cursor can never reach a query as anything but a checked string or number.
 */
export function encodeCursor(position: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

export function decodeCursor<T>(cursor: string, schema: z.ZodType<T>): T {
  const invalid = () => new ValidationError('Invalid cursor', [{ path: 'cursor', message: 'pass back a nextCursor this list returned, unchanged' }]);
  if (!BASE64URL.test(cursor)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  const result = schema.safeParse(parsed);
  if (!result.success) throw invalid();
  return result.data;
}
