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
