type Path = (string | number)[];

const isWellFormed = (s: string): boolean => (s as string & { isWellFormed(): boolean }).isWellFormed();

/**
 * The path of the first string (value or key) in parsed JSON that is not well-formed Unicode (a
 * lone UTF-16 surrogate, which JSON allows as an escape), or null. Iterative like the depth check.
 */
export function illFormedStringPath(value: unknown): Path | null {
  const stack: [unknown, Path][] = [[value, []]];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      if (!isWellFormed(v)) return path;
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (Array.isArray(v)) {
      v.forEach((child, i) => stack.push([child, [...path, i]]));
      continue;
    }
    for (const [k, child] of Object.entries(v)) {
      if (!isWellFormed(k)) return [...path, k];
      stack.push([child, [...path, k]]);
    }
  }
  return null;
}

export interface JsonShapeLimits {
  maxDepth: number;
  /** Characters of an object key. */
  maxKeyLength: number;
  /** Items of one array, and keys of one object. */
  maxEntries: number;
}

/**
 * The first thing in parsed JSON that breaks a limit (nesting, key length, entries of one array or
 * object, well-formed Unicode), with where it is; null when none does. One iterative pass, run
 * before anything is enqueued, so a hostile body is a 400 for itself alone and never reaches a
 * mapper, a log line or a failure reason.
 */
export function jsonShapeProblem(value: unknown, limits: JsonShapeLimits): { path: Path; message: string } | null {
  const stack: [unknown, Path][] = [[value, []]];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      if (!isWellFormed(v)) return { path, message: 'not well-formed Unicode (lone surrogate)' };
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (path.length + 1 > limits.maxDepth) return { path, message: `nested deeper than ${limits.maxDepth} levels` };
    if (Array.isArray(v)) {
      if (v.length > limits.maxEntries) return { path, message: `more than ${limits.maxEntries} items` };
      v.forEach((child, i) => stack.push([child, [...path, i]]));
      continue;
    }
    const entries = Object.entries(v);
    if (entries.length > limits.maxEntries) return { path, message: `more than ${limits.maxEntries} keys` };
    for (const [k, child] of entries) {
      if (k.length > limits.maxKeyLength) return { path, message: `a key longer than ${limits.maxKeyLength} characters` };
      if (!isWellFormed(k)) return { path, message: 'a key that is not well-formed Unicode (lone surrogate)' };
      stack.push([child, [...path, k]]);
    }
  }
  return null;
}
