import type { ActivityRecord } from '../../src/repositories/activity.repository';

/**
 * A stored activity record for tests that write straight to a repository: no identifiers, no
 * fields, processed at its occurredAt, with what the test names on top.
 */
export function activityRecord(over: Pick<ActivityRecord, 'id' | 'account' | 'occurredAt' | 'outcome'> & Partial<ActivityRecord>): ActivityRecord {
  return {
    type: 'x',
    source: 'api',
    receivedAt: over.occurredAt,
    processedAt: over.occurredAt,
    email: null,
    phone: null,
    phoneExtension: null,
    visitorId: null,
    externalId: null,
    fields: {},
    contactId: null,
    claim: null,
    warnings: [],
    provider: null,
    payload: {},
    ...over,
  };
}
