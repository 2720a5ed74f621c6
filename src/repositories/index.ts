import type { AccountRepository } from './account.repository';
import type { ActivityRepository } from './activity.repository';
import type { ContactRepository } from './contact.repository';
import type { PageViewRepository } from './page-view.repository';
import type { SuppressionRepository } from './suppression.repository';

export type * from './account.repository';
export type * from './activity.repository';
export type * from './contact.repository';
export type * from './page-view.repository';
export type * from './suppression.repository';

/** Everything the services need from storage, as one bundle the composition root builds. */
export interface Repositories {
  kind: 'mongodb' | 'memory';
  contacts: ContactRepository;
  activities: ActivityRepository;
  accounts: AccountRepository;
  pageViews: PageViewRepository;
  /** Hashes of erased people's identifiers (GDPR erase with suppression). */
  suppressions: SuppressionRepository;
  /** Cheap round trip used by /readyz. */
  ping(): Promise<void>;
  /**
   * True when retrying may succeed (connection lost, no primary, timeouts). The worker retries
   * only these, with backoff; anything else fails the job at once, visibly, for a replay after a fix.
   */
  isTransientError(err: unknown): boolean;
  close(): Promise<void>;
}
