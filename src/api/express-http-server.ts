import { createServer, IncomingMessage, ServerResponse, type Server, type ServerOptions } from 'node:http';
import type { Socket } from 'node:net';
import type { Express } from 'express';

// Node's own constructors, called on an object that already has the app's prototype. They are plain
// functions in Node 20-24 (a test starts a server on them, so a change fails loudly).
type Init<T> = (this: T, ...args: unknown[]) => void;
const initRequest = IncomingMessage as unknown as Init<IncomingMessage>;
const initResponse = ServerResponse as unknown as Init<ServerResponse>;

/**
 * An HTTP server whose requests and responses are born with `app`'s prototypes.
 *
 * For every request, Express 5 points `req` and `res` at its app's prototypes with
 * Object.setPrototypeOf. Changing a live object's prototype throws away what V8 had optimized for
 * it, in node:http and Express alike, and that is most of what a small request costs. Node lets a
 * server build its requests and responses with given constructors (`http.createServer` options).
 * Built with `app.request` / `app.response` as their prototypes, Express's call sets the prototype
 * an object already has, which V8 returns from at once (expressjs/express#5998). Express's
 * behaviour is unchanged: a mounted sub-app (Bull Board) still swaps the prototypes while it
 * handles a request and restores these afterwards.
 *
 * Plain functions on purpose: `Reflect.construct(IncomingMessage, args, AppRequest)` gives the same
 * objects, but constructing through Reflect is slower than the stock server, not faster.
 */
export function createExpressHttpServer(app: Express, options: Omit<ServerOptions, 'IncomingMessage' | 'ServerResponse'> = {}): Server {
  function AppRequest(this: IncomingMessage, socket: Socket) {
    initRequest.call(this, socket);
  }
  AppRequest.prototype = app.request;
  function AppResponse(this: ServerResponse, ...args: unknown[]) {
    initResponse.apply(this, args);
  }
  AppResponse.prototype = app.response;
  return createServer(
    {
      ...options,
      IncomingMessage: AppRequest as unknown as typeof IncomingMessage,
      ServerResponse: AppResponse as unknown as typeof ServerResponse,
    },
    app,
  );
}
