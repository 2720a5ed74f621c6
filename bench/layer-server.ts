/**
 * A server for bench/layer-costs.ts: the `express.json()` reference plus the layers named in
 * LAYERS (comma-separated; `born` = on contactflow's HTTP server instead of a stock one), each the intake's own module, so its CPU per request can be compared
 * with the bare reference in the same run. Not contactflow's app: no Redis, no store.
 */
import express from 'express';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createExpressHttpServer } from '../src/api/express-http-server';
import { httpMetrics } from '../src/api/http-metrics';
import { requestContext } from '../src/api/request-context';
import { requireJson } from '../src/api/require-json';
import { apiSecurityHeaders } from '../src/api/security-headers';
import { activityIdFor } from '../src/jobs/activities.queue';
import { activityEnvelopeSchema } from '../src/jobs/activity-envelope.schema';
import { idempotencyKey } from '../src/jobs/idempotency';
import { createLogger } from '../src/shared/logger';
import { createMetrics } from '../src/shared/metrics';
import { LOOPBACK, onStopRequest, send } from './lib/common';


const on = new Set((process.env.LAYERS ?? '').split(',').filter(Boolean));
const app = express();
app.disable('x-powered-by');
app.set('etag', false);
app.set('query parser', 'simple');
if (on.has('headers')) app.use(apiSecurityHeaders());
if (on.has('context')) app.use(requestContext(createLogger('info')));
if (on.has('metrics')) app.use(httpMetrics(createMetrics({ queueDepths: async () => ({}) })));
app.post('/v1/activities', ...(on.has('json-check') ? [requireJson] : []), express.json({ limit: '256kb', strict: true }), (req, res) => {
  if (on.has('validate') && !activityEnvelopeSchema.safeParse(req.body).success) {
    res.status(400).end();
    return;
  }
  const id = on.has('id') ? activityIdFor('default', idempotencyKey({ kind: 'client', key: req.get('idempotency-key') ?? '-' })) : 'act_00000000000000000000000000000000';
  if (on.has('id')) res.setHeader('Location', `/v1/activities/${id}`);
  res.status(202).json({ id, status: 'queued' });
});
// 'born': contactflow's HTTP server (requests born with the app's prototypes) instead of a stock one.
const server = on.has('born') ? createExpressHttpServer(app) : createServer(app);
server.listen(0, LOOPBACK, () => send({ type: 'ready', port: (server.address() as AddressInfo).port }));
onStopRequest(() => new Promise<void>((r) => server.close(() => r())));
