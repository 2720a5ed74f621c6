import type { Repositories } from '../../src/repositories';

const REPOSITORIES = ['contacts', 'activities', 'accounts', 'pageViews'] as const;

/** Runs one store operation; `name` is `repository.method`, e.g. `contacts.findByEmail`. */
export type Around = (name: string, args: unknown[], call: () => Promise<unknown>) => Promise<unknown>;

/**
 * The same repositories, every method call routed through `around` (a Proxy over each
 * repository, so the store's code and its interface stay as they are).
 */
export function wrapRepositories(repos: Repositories, around: Around): Repositories {
  const wrapped: Repositories = { ...repos };
  for (const name of REPOSITORIES) {
    const target = repos[name] as unknown as Record<PropertyKey, unknown>;
    const methods = new Map<PropertyKey, unknown>();
    (wrapped as unknown as Record<string, unknown>)[name] = new Proxy(target, {
      get(t, prop) {
        const value = Reflect.get(t, prop, t);
        if (typeof value !== 'function') return value;
        let method = methods.get(prop);
        if (!method) {
          const fn = value as (...args: unknown[]) => Promise<unknown>;
          const op = `${name}.${String(prop)}`;
          method = (...args: unknown[]) => around(op, args, () => fn.apply(t, args));
          methods.set(prop, method);
        }
        return method;
      },
    });
  }
  return wrapped;
}

/** Every store operation answers `delayMs()` later (when above 0): a stand-in for a MongoDB round trip. */
export function delayedRepositories(repos: Repositories, delayMs: () => number): Repositories {
  return wrapRepositories(repos, (_name, _args, call) => {
    const ms = delayMs();
    return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)).then(call) : call();
  });
}

/**
 * Counts store operations and the sequential round trips ("waves") they take. A call that starts
 * while no other call is in flight opens a new wave; a call that starts while one is in flight
 * joins the current wave (they wait for the store together). Meant for one activity at a time:
 * `take()` returns what was recorded since the last take().
 */
export function countingRepositories(repos: Repositories): { repos: Repositories; take(): string[][] } {
  let inFlight = 0;
  let waves: string[][] = [];
  const counted = wrapRepositories(repos, async (name, _args, call) => {
    if (inFlight === 0) waves.push([]);
    waves[waves.length - 1]!.push(name);
    inFlight++;
    try {
      return await call();
    } finally {
      inFlight--;
    }
  });
  return {
    repos: counted,
    take() {
      const out = waves;
      waves = [];
      return out;
    },
  };
}
