type Path = (string | number)[];

/**
 * Whether parsed JSON nests objects and arrays deeper than `maxDepth`. Iterative, so a hostile
 * body cannot overflow the stack here; it runs before a payload is enqueued, because serializing
 * such a body into a job would throw for that request alone and must be a 400, not a 503.
 */
export function nestsDeeperThan(value: unknown, maxDepth: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth + 1 > maxDepth) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
}

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
