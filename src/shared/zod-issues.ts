import type { z } from 'zod';
import type { ValidationIssue } from './errors';

/** zod issues as `{path, message}` with JSON-pointer-like dotted paths ("fields.budget"). */
export function formatIssues(error: z.ZodError): ValidationIssue[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(body)', message: i.message }));
}
