/**
 * A server process for the intake benchmark (the load generator runs in another process).
 *   app:       contactflow's real API (ROLE=api: no worker in this process), in-memory store passed
 *              as options.repos — the intake never touches the store on its hot path, and passing
 *              repos is how the composition root accepts ROLE=api without MongoDB.
 *   reference: the limit for the same process shape: Express 5 + express.json() with the same body
 *              limit, answering 202 with a same-sized JSON reply, enqueuing nothing.
 *   reference-born: the same reference on contactflow's HTTP server (src/api/express-http-server.ts),
 *              not a goal: what that server alone gives the echo.
 *   naive:     the reference plus a plain `await queue.add()` of the body on the same Redis (no
 *              auth, no validation, no idempotency): what the issue calls the naive enqueue.
 * Env: BENCH_MODE=app|reference|reference-born|naive plus the contactflow env (see lib/common.ts benchEnv).
 */
import { Queue } from 'bullmq';
import express from 'express';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createExpressHttpServer } from '../src/api/express-http-server';
import { parseConfig } from '../src/config';
import { createMemoryRepositories } from '../src/repositories/memory';
import { createLogger } from '../src/shared/logger';
import { startContactflow } from '../src/start';
import { LOOPBACK, onStopRequest, profileOnRequest, send } from './lib/common';

async function main() {
  profileOnRequest();
  const mode = process.env.BENCH_MODE;
  if (mode === 'reference' || mode === 'reference-born' || mode === 'naive') {
    const queue = mode === 'naive' ? new Queue('naive', { connection: { url: process.env.REDIS_URL, maxRetriesPerRequest: null }, prefix: process.env.REDIS_PREFIX }) : undefined;
    const app = express();
    app.disable('x-powered-by');
    app.post('/v1/activities', express.json({ limit: '256kb', strict: true }), async (req, res) => {
      const body = req.body as { email?: string };
      if (queue) await queue.add('naive', body);
      // Same reply shape and size as the real intake: { id: act_<32 hex>, status }.
      res.status(202).location('/v1/activities/act_00000000000000000000000000000000').json({
        id: 'act_' + String(body.email ?? '').length.toString(16).padStart(32, '0'),
        status: 'queued',
      });
    });
    // The reference is a stock Express server (app.listen); reference-born is the same app
    // on contactflow's server, whose requests are born with the app's prototypes.
    const server = mode === 'reference-born' ? createExpressHttpServer(app) : createServer(app);
    server.listen(0, LOOPBACK, () => send({ type: 'ready', port: (server.address() as AddressInfo).port }));
    onStopRequest(async () => {
      await new Promise<void>((r) => server.close(() => r()));
      await queue?.close();
    });
    return;
  }

  const config = parseConfig({ ...process.env, ROLE: 'api' });
  const logger = createLogger(config.LOG_LEVEL, { role: 'api' });
  const app = await startContactflow(config, logger, { repos: createMemoryRepositories() });
  send({ type: 'ready', port: app.port });
  onStopRequest(() => app.stop());
}

main().catch((err) => {
  process.stderr.write(`intake-server: ${(err as Error).stack}\n`);
  process.exit(1);
});
