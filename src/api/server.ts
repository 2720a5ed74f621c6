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

export async function startWebServer(app: Express, port: number, host: string): Promise<WebServer> {
  const server = createExpressHttpServer(app);
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
