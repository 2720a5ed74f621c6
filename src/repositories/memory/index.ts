import { TransientStoreError } from '../../shared/errors';
import type { Repositories } from '../index';
import { MemoryAccountRepository } from './account.memory-repository';
import { MemoryActivityRepository } from './activity.memory-repository';
import { MemoryContactRepository } from './contact.memory-repository';
import { MemoryPageViewRepository } from './page-view.memory-repository';
import { RowSpace } from './row-space';

/** Single-process storage for machines without a mongod: same semantics, nothing persists. */
export function createMemoryRepositories(): Repositories {
  // One space for the whole store, so a slot freed by any kind of row serves the next of its size.
  const space = new RowSpace();
  return {
    kind: 'memory',
    contacts: new MemoryContactRepository(space),
    activities: new MemoryActivityRepository(space),
    accounts: new MemoryAccountRepository(),
    pageViews: new MemoryPageViewRepository(space),
    // Memory never fails by itself; tests inject TransientStoreError to simulate an outage.
    isTransientError: (err) => err instanceof TransientStoreError,
    ping: async () => {},
    close: async () => {},
  };
}
