import type { ActivityJobData } from '../jobs/activities.queue';
import type { ProcessActivityInput, ProcessActivityResult } from '../services/process-activity.service';
import type { RecordPageViewInput, RecordPageViewResult } from '../services/record-page-view.service';

export interface ActivityHandlerDeps {
  processActivity(input: ProcessActivityInput): Promise<ProcessActivityResult>;
  /** `page-view` jobs share the queue (and its retry, outage and failure handling). */
  recordPageView(input: RecordPageViewInput): Promise<RecordPageViewResult>;
  /** Lets metrics or tests observe outcomes without the workers knowing about them. */
  onProcessed?(result: ProcessActivityResult): void;
}

export type ActivityHandler = (data: ActivityJobData) => Promise<ProcessActivityResult | RecordPageViewResult>;

/** One parsed activities job → the use case its kind calls. */
export function createActivityHandler(deps: ActivityHandlerDeps): ActivityHandler {
  return async (data) => {
    if (data.kind === 'page-view') {
      return deps.recordPageView({
        account: data.account,
        pageViewId: data.activityId,
        receivedAt: new Date(data.receivedAt),
        payload: data.payload,
      });
    }
    const result = await deps.processActivity({
      account: data.account,
      activityId: data.activityId,
      receivedAt: new Date(data.receivedAt),
      payload: data.payload,
      provider: data.kind === 'webhook' ? data.provider : null,
      reprocess: data.reprocess === true,
    });
    deps.onProcessed?.(result);
    return result;
  };
}
