import type { Repositories } from '../../src/repositories';
import { TransientStoreError } from '../../src/shared/errors';

/**
 * Wraps a store so tests can take it "down" (every call fails with a transient error, as the
 * MongoDB driver does on a lost connection) or make one call hang forever (a worker that dies in
 * the middle of a job). The wrapped store keeps its real semantics otherwise.
 */
export interface Faults {
  down: boolean;
  /** Calls that failed while down. */
  failedCalls: number;
  /** The next call to `method` of `repo` never returns (once). */
  hangNext?: { repo: 'contacts' | 'activities'; method: string; hung?: boolean };
}

export function withFaults(repos: Repositories): { repos: Repositories; faults: Faults } {
  const faults: Faults = { down: false, failedCalls: 0 };
  const wrap = <T extends object>(name: 'contacts' | 'activities' | 'accounts', target: T): T =>
    new Proxy(target, {
      get(obj, prop, receiver) {
        const value = Reflect.get(obj, prop, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (faults.down) {
            faults.failedCalls++;
            return Promise.reject(new TransientStoreError('simulated: connection to the store lost'));
          }
          const hang = faults.hangNext;
          if (hang && !hang.hung && hang.repo === name && hang.method === prop) {
            hang.hung = true;
            return new Promise(() => {});
          }
          return value.apply(obj, args);
        };
      },
    });
  return {
    faults,
    repos: {
      ...repos,
      contacts: wrap('contacts', repos.contacts),
      activities: wrap('activities', repos.activities),
      accounts: wrap('accounts', repos.accounts),
      isTransientError: repos.isTransientError,
      ping: () => (faults.down ? Promise.reject(new TransientStoreError('simulated outage')) : repos.ping()),
      close: repos.close,
    },
  };
}
