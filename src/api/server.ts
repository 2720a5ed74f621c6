import { once } from 'node:events';
import type { Server } from 'node:http';
import type { Express } from 'express';
import { createExpressHttpServer } from './express-http-server';

export interface WebServer {
  server: Server;
  port: number;
  /** Stops accepting, lets in-flight requests finish, then cuts what is left after `timeoutMs`. */
  stop(timeoutMs: number): Promise<void>;
}

/** Bounds on slow or numerous clients (docs/operations.md, "HTTP limits"). */
export interface HttpLimits {
  /** A client must send its whole request head within this. */
  headersTimeoutMs: number;
  /** ... and its whole request, body included, within this. */
  requestTimeoutMs: number;
  /** Connections beyond this are closed at once. */
  maxConnections: number;
}

export async function startWebServer(app: Express, port: number, host: string, limits?: HttpLimits): Promise<WebServer> {
  const server = createExpressHttpServer(app, {
    ...(limits ? { headersTimeout: limits.headersTimeoutMs, requestTimeout: limits.requestTimeoutMs } : {}),
    // Node checks those timeouts on this period: a slow client is cut within a second of its bound.
    connectionsCheckingInterval: 1000,
  });
  if (limits) server.maxConnections = limits.maxConnections;
  server.listen(port, host);
  await once(server, 'listening');
  server.keepAliveTimeout = 65_000; // longer than common load-balancer idle timeouts
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  return {
    server,
    port: actualPort,
    async stop(timeoutMs) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), timeoutMs);
      await closed;
      clearTimeout(timer);
    },
  };
}
