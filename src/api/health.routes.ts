import { Router } from 'express';
import { withTimeout } from '../shared/timeout';
import type { Logger } from '../shared/logger';

export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

const CHECK_TIMEOUT_MS = 1500;

/** /healthz: the process answers. /readyz: every dependency answers within a short timeout. */
export function healthRoutes(checks: ReadinessCheck[], logger: Logger, store?: string): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const results = await Promise.all(
      checks.map(async (c) => {
        try {
          await withTimeout(c.check(), CHECK_TIMEOUT_MS);
          return [c.name, 'ok'] as const;
        } catch (err) {
          // The probe is unauthenticated: hosts and driver messages go to the log, not the answer.
          logger.warn({ err, check: c.name }, 'readiness check failed');
          return [c.name, 'down'] as const;
        }
      }),
    );
    const ready = results.every(([, s]) => s === 'ok');
    // The store is named so that a deployment on the in-memory fallback cannot go unnoticed.
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', ...(store ? { store } : {}), checks: Object.fromEntries(results) });
  });
  return router;
}
