import type { ActivitiesQueue } from '../jobs/activities.queue';
import type { ActivityRecord, ActivityRepository } from '../repositories';
import { NotFoundError } from '../shared/errors';
import { maskPii } from '../shared/pii';

export interface ActivityStatusView {
  id: string;
  /** suppressed: it carried an identifier of an erased, suppressed person (recorded without PII). */
  status: 'queued' | 'processed' | 'unidentified' | 'suppressed' | 'failed';
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
  const finalView = (r: ActivityRecord): ActivityStatusView | null =>
    r.outcome === 'pending' ? null : { id: r.id, status: r.outcome, contactId: r.contactId, warnings: r.warnings };
  const queued = (id: string): ActivityStatusView => ({ id, status: 'queued', contactId: null, warnings: [] });

  return {
    async get(account: string, id: string): Promise<ActivityStatusView> {
      const recorded = await activities.findById(account, id);
      // A pending record is mid-processing: to the client it is still queued.
      const settled = recorded && finalView(recorded);
      if (settled) return settled;

      const job = await queue.getJob(id);
      if (!job || job.data.account !== account) {
        if (recorded) return queued(id); // pending, and its job already left Redis: a retry will finish it
        throw new NotFoundError('activity');
      }
      const state = await job.getState();
      if (state === 'failed') {
        // The job was read before its state: if it failed in between, that copy has no reason yet.
        // BullMQ writes the reason and the failed state in one script, so a fresh read has both.
        const reason = job.failedReason ?? (await queue.getJob(id))?.failedReason;
        return { id, status: 'failed', contactId: null, warnings: [], error: maskPii(reason ?? 'unknown') };
      }
      if (state === 'completed') {
        // It may have finished between the two reads above: the record is the answer now.
        const now = await activities.findById(account, id);
        const done = now && finalView(now);
        if (done) return done;
        // Completed but never recorded: only when the in-memory store restarted under it.
        if (!now) throw new NotFoundError('activity');
      }
      return queued(id);
    },
  };
}

export type ActivityStatusService = ReturnType<typeof createActivityStatusService>;
