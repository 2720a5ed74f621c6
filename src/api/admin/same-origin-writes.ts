import type { RequestHandler } from 'express';
import { sendProblem } from '../problem';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A browser holding cached admin credentials (Basic, or a console session) must not be made to
 * change anything by another site's page, such as a `text/plain` form post to /admin/replay.
 * Browsers say where a request comes from (Sec-Fetch-Site, Origin); a write whose origin is not
 * this host is refused. Tools like curl send neither header and are unaffected.
 */
export const sameOriginWrites: RequestHandler = (req, res, next) => {
  if (READS.has(req.method)) return next();
  const site = req.get('sec-fetch-site');
  const origin = req.get('origin');
  const crossSite = (site !== undefined && site !== 'same-origin' && site !== 'none') || (origin !== undefined && hostOf(origin) !== req.get('host'));
  if (!crossSite) return next();
  sendProblem(res, 403, 'cross_origin', 'Admin changes are accepted only from this host: the request came from another origin');
};

function hostOf(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null; // "null" (a sandboxed or file page) or garbage: not this host
  }
}
