import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { Router, type RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * The console's static files live in `console/` at the repository root. The same code runs from
 * src/api (tsx) and from dist/src/api (npm start), so the folder is found by walking up.
 */
export function consoleDir(from: string = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'console');
    if (existsSync(path.join(candidate, 'index.html')) && existsSync(path.join(dir, 'package.json'))) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`console/index.html not found above ${from}`);
  }
}

/**
 * Page headers for the console: scripts, styles and requests from this origin only, nothing inline,
 * no framing. (The JSON API's headers forbid everything, which a page cannot live with.)
 */
export const consolePageHeaders: RequestHandler = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'none'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      formAction: ["'self'"],
      baseUri: ["'none'"],
      frameAncestors: ["'none'"],
    },
  },
  frameguard: { action: 'deny' },
  referrerPolicy: { policy: 'same-origin' },
});

/** GET /console (the one HTML shell; the client routes with the URL's hash) and its assets. */
export function consoleStaticRoutes(dir: string = consoleDir()): Router {
  const router = Router();
  const index = path.join(dir, 'index.html');
  // Non-strict routing: this also answers /console/.
  router.get('/console', consolePageHeaders, (_req, res) => {
    res.sendFile(index);
  });
  router.use(
    '/console',
    consolePageHeaders,
    express.static(dir, { index: false, redirect: false, dotfiles: 'ignore', etag: false, lastModified: false, fallthrough: true }),
  );
  return router;
}
