import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import type { RequestHandler, Router } from 'express';
import { sendProblem } from '../problem';

export const BULL_BOARD_PATH = '/admin/queues';

/**
 * Bull Board for every queue we own, read-only: adding, editing, cleaning or obliterating jobs
 * from a web page could lose or forge accepted activities. Replay stays on POST /admin/replay,
 * which knows how to re-run a job safely. A job shows what is in clear (kind, account, ids, times)
 * and its payload only as `sealed` with its size: the payload is encrypted at rest.
 */
export function bullBoardRouter(queues: Queue[]): Router {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(BULL_BOARD_PATH);
  createBullBoard({
    queues: queues.map((q) => {
      const adapter = new BullMQAdapter(q, { readOnlyMode: true, allowRetries: false });
      adapter.setFormatter('data', maskedJobData);
      return adapter;
    }),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'contactflow' } },
  });
  return serverAdapter.getRouter() as Router;
}

/** What Bull Board shows of a job's data: everything but the sealed payload, which becomes its size. */
export function maskedJobData(data: unknown): unknown {
  if (!data || typeof data !== 'object') return data;
  const { sealed, payload, ...rest } = data as Record<string, unknown>;
  const hidden = typeof sealed === 'string' ? { payload: `[sealed, ${sealed.length} characters]` } : payload !== undefined ? { payload: '[hidden]' } : {};
  return { ...rest, ...hidden };
}

/** Read-only whatever the library version does with readOnlyMode: only reads reach Bull Board. */
export const onlyReads: RequestHandler = (req, res, next) => {
  if (req.method === 'GET' || req.method === 'HEAD') return next();
  res.setHeader('Allow', 'GET, HEAD');
  sendProblem(res, 405, 'read_only', 'Bull Board is read-only here; replay failed activities with POST /admin/replay');
};
