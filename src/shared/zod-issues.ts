import type { z } from 'zod';
import type { ValidationIssue } from './errors';

/** Enough to find every mistake of a real request; a hostile one does not get a huge answer. */
const MAX_ISSUES = 50;
const MAX_PATH_LENGTH = 200;

/** zod issues as `{path, message}` with JSON-pointer-like dotted paths ("fields.budget"), bounded. */
export function formatIssues(error: z.ZodError): ValidationIssue[] {
  return error.issues.slice(0, MAX_ISSUES).map((i) => {
    const path = i.path.map(String).join('.') || '(body)';
    return { path: path.length > MAX_PATH_LENGTH ? `${path.slice(0, MAX_PATH_LENGTH)}…` : path, message: i.message.slice(0, MAX_PATH_LENGTH) };
  });
}
