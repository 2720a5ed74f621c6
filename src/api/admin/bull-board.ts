import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import type { Router } from 'express';

export const BULL_BOARD_PATH = '/admin/queues';

/**
 * Bull Board for every queue we own. Retries from the UI are allowed: the worker is idempotent,
 * so a retry is as safe as POST /admin/replay. The failure reason shown is the job's
 * failedReason, which the worker already reduced to `code: message` with PII masked.
 */
export function bullBoardRouter(queues: Queue[]): Router {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(BULL_BOARD_PATH);
  createBullBoard({
    queues: queues.map((q) => new BullMQAdapter(q, { allowRetries: true })),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'contactflow' } },
  });
  return serverAdapter.getRouter() as Router;
}
