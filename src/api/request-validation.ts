import { z } from 'zod';
import { ValidationError } from '../shared/errors';
import { formatIssues } from '../shared/zod-issues';

/** Parses a request part with its schema, or answers 400 listing every offending path. */
export function parseRequest<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(`Invalid ${what}`, formatIssues(result.error));
  return result.data;
}

/** A path parameter that must match `pattern` (checked before any store is asked). */
export function pathParam(params: Record<string, unknown>, name: string, pattern: RegExp, message: string): string {
  const value = String(params[name] ?? '');
  if (!pattern.test(value)) throw new ValidationError(`Invalid ${name}`, [{ path: name, message }]);
  return value;
}

const noQuery = z.object({}).strict();

/** Routes that take no query string refuse one (`?__proto__[x]=1`, `?$where=…`) instead of ignoring it. */
export function rejectQuery(query: unknown): void {
  parseRequest(noQuery, query ?? {}, 'query');
}
