/**
 * A server process for the intake figures (the load generator runs in the conductor).
 *   app:     contactflow's API (startContactflow, ROLE=api, no worker in this process) on an
 *            in-memory store passed as `repos`: the intake does no store work on its hot path
 *            except the cached API-key look-up.
 *   echo:    the reference. Express 5, express.json() with the app's body limit, sending the parsed
 *            body back with a 202, on a stock http.createServer. Enqueues nothing.
 *   echo-cf: the same echo on contactflow's own HTTP server (src/api/express-http-server.ts).
 * Args: { mode, env } (env: the contactflow environment, lib/common.ts benchEnv).
 */
import express from 'express';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createExpressHttpServer } from '../src/api/express-http-server';
import { parseConfig } from '../src/config';
import { createMemoryRepositories } from '../src/repositories/memory';
import { createLogger } from '../src/shared/logger';
import { startContactflow } from '../src/start';
import { bootstrapAccount, bootstrapApiKey } from '../src/services/accounts.service';
import { childArgs, die, LOOPBACK, onStopRequest, QUIET_ACCOUNT, QUIET_API_KEY, send } from './lib/common';

export type IntakeMode = 'app' | 'echo' | 'echo-cf';

async function main({ mode, env }: { mode: IntakeMode; env: Record<string, string> }) {
  if (mode === 'app') {
    const config = parseConfig({ ...env, ROLE: 'api' });
    const repos = createMemoryRepositories();
    // The quiet account of the noisy-neighbour figure, with its own key.
    await bootstrapAccount(repos.accounts, { account: QUIET_ACCOUNT, defaultCountry: 'US' });
    await bootstrapApiKey(repos.accounts, QUIET_ACCOUNT, QUIET_API_KEY);
    const app = await startContactflow(config, createLogger(config.LOG_LEVEL, { role: 'api' }), { repos });
    onStopRequest(() => app.stop());
    await send({ type: 'ready', port: app.port });
    return;
  }
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  // An echo: the parsed body straight back, 202.
  app.post('/v1/activities', express.json({ limit: '256kb' }), (req, res) => void res.status(202).json(req.body));
  const server: Server = mode === 'echo-cf' ? createExpressHttpServer(app) : createServer(app);
  server.listen(0, LOOPBACK);
  await new Promise((r) => server.once('listening', r));
  onStopRequest(
    () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  );
  await send({ type: 'ready', port: (server.address() as AddressInfo).port });
}

main(childArgs()).catch(die('intake-server'));
