import type { ActivitiesQueue } from '../jobs/activities.queue';
import type { ActivityRepository } from '../repositories';

/** The queue states an operator watches: backlog, work in hand, retries waiting, and failures. */
export const PIPELINE_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed'] as const;

export interface PipelineStatus {
  queue: string;
  counts: Record<(typeof PIPELINE_STATES)[number], number>;
  /** Whose unidentified activities are counted (the request's, else the bootstrap account). */
  account: string;
  unidentified: number;
}

export interface PipelineStatusDeps {
  queue: Pick<ActivitiesQueue, 'name' | 'getJobCounts'>;
  activities: Pick<ActivityRepository, 'countUnidentified'>;
  defaultAccount: string;
}

/** GET /admin/pipeline: the queue's counts (every account) and one account's unidentified activities. */
export function createPipelineStatus(deps: PipelineStatusDeps) {
  return {
    defaultAccount: deps.defaultAccount,
    async status(account: string = deps.defaultAccount): Promise<PipelineStatus> {
      const [raw, unidentified] = await Promise.all([deps.queue.getJobCounts(...PIPELINE_STATES), deps.activities.countUnidentified(account, {})]);
      const counts = Object.fromEntries(PIPELINE_STATES.map((s) => [s, raw[s] ?? 0])) as PipelineStatus['counts'];
      return { queue: deps.queue.name, counts, account, unidentified };
    },
  };
}

export type PipelineStatusService = ReturnType<typeof createPipelineStatus>;
