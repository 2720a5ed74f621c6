import type { ActivitiesQueue } from '../jobs/activities.queue';
import type { ActivityRepository } from '../repositories';
import { NotFoundError } from '../shared/errors';
import { maskPii } from '../shared/pii';

export interface ActivityStatusView {
  id: string;
  status: 'queued' | 'processed' | 'unidentified' | 'failed';
  contactId: string | null;
  warnings: string[];
  /** Only for failed: the stable error code and a PII-free message. */
  error?: string;
}

/**
 * The recorded activity is the truth once it exists; before that the job's state in Redis says
 * whether it still waits or has failed. A job of another account is "not found", never "forbidden",
 * so ids cannot be probed across tenants.
 */
export function createActivityStatusService(activities: ActivityRepository, queue: ActivitiesQueue) {
  return {
    async get(account: string, id: string): Promise<ActivityStatusView> {
      const recorded = await activities.findById(account, id);
      // A pending record is mid-processing: to the client it is still queued.
      if (recorded && recorded.outcome !== 'pending') {
        return { id, status: recorded.outcome, contactId: recorded.contactId, warnings: recorded.warnings };
      }
      const job = await queue.getJob(id);
      if (!job || job.data.account !== account) throw new NotFoundError('activity');
      const state = await job.getState();
      if (state === 'failed') {
        return { id, status: 'failed', contactId: null, warnings: [], error: maskPii(job.failedReason ?? 'unknown') };
      }
      if (state === 'completed') {
        // Completed but not recorded: only possible when the in-memory store restarted.
        throw new NotFoundError('activity');
      }
      return { id, status: 'queued', contactId: null, warnings: [] };
    },
  };
}

export type ActivityStatusService = ReturnType<typeof createActivityStatusService>;
