import { TransientStoreError } from '../../shared/errors';
import type { Repositories } from '../index';
import { MemoryAccountRepository } from './account.memory-repository';
import { MemoryActivityRepository } from './activity.memory-repository';
import { MemoryContactRepository } from './contact.memory-repository';
import { MemoryPageViewRepository } from './page-view.memory-repository';
import { MemorySuppressionRepository } from './suppression.memory-repository';

/** Single-process storage for machines without a mongod: same semantics, nothing persists. */
export function createMemoryRepositories(): Repositories {
  return {
    kind: 'memory',
    contacts: new MemoryContactRepository(),
    activities: new MemoryActivityRepository(),
    accounts: new MemoryAccountRepository(),
    pageViews: new MemoryPageViewRepository(),
    suppressions: new MemorySuppressionRepository(),
    // Memory never fails by itself; tests inject TransientStoreError to simulate an outage.
    isTransientError: (err) => err instanceof TransientStoreError,
    ping: async () => {},
    close: async () => {},
  };
}
