import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { AppError, TransientStoreError, UnavailableError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import { maskPii } from '../shared/pii';

/** RFC 9457 problem details. `type` is stable per error code; clients may switch on it. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: { path: string; message: string }[];
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function sendProblem(res: Response, status: number, code: string, detail: string, extra: Partial<Problem> = {}) {
  const body: Problem = { type: `/problems/${code}`, title: TITLES[status] ?? 'Error', status, detail, code, ...extra };
  res.status(status).type('application/problem+json').send(JSON.stringify(body));
}

export const notFoundHandler: RequestHandler = (req, res) => {
  sendProblem(res, 404, 'route_not_found', `No route for ${req.method} ${req.path}`);
};

const STORE_RETRY_AFTER_SECONDS = 5;

/** body-parser reports its own failures with `type` and `status`; map them to stable codes. */
const BODY_PARSER_ERRORS: Record<string, { status: number; code: string; detail: string }> = {
  'entity.parse.failed': { status: 400, code: 'malformed_json', detail: 'The request body is not valid JSON' },
  'entity.too.large': { status: 413, code: 'payload_too_large', detail: 'The request body is larger than this route accepts' },
  'encoding.unsupported': { status: 415, code: 'unsupported_encoding', detail: 'Unsupported content encoding' },
  'charset.unsupported': { status: 415, code: 'unsupported_charset', detail: 'Unsupported charset' },
  'request.aborted': { status: 400, code: 'request_aborted', detail: 'The request was aborted' },
};

export interface ErrorHandlerOptions {
  /** The store's own transient errors (a lost MongoDB connection, a timeout), answered 503 like an outage. */
  isStoreUnavailable?(err: unknown): boolean;
}

export function errorHandler(logger: Logger, opts: ErrorHandlerOptions = {}): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const parserError = typeof err?.type === 'string' ? BODY_PARSER_ERRORS[err.type] : undefined;
    if (parserError) return sendProblem(res, parserError.status, parserError.code, parserError.detail);
    // The router could not decode a path parameter (an invalid percent-escape such as %FF%FE).
    if (err instanceof URIError && (err as { status?: unknown }).status === 400) {
      return sendProblem(res, 400, 'invalid_path', 'The request path holds an invalid percent-escape');
    }
    // Any other client error body-parser reports (a corrupt gzip body, say) keeps its 4xx status.
    if (isClientHttpError(err)) return sendProblem(res, err.status, 'unreadable_body', 'The request body could not be read');

    if (err instanceof UnavailableError) {
      res.setHeader('Retry-After', String(err.retryAfterSeconds));
      logger.warn({ err, path: req.path }, 'intake unavailable');
      return sendProblem(res, 503, err.code, 'The service cannot accept this request right now; retry later');
    }
    // The store is unreachable (an outage, a failover): the client retries, as with a full queue.
    if (err instanceof TransientStoreError || opts.isStoreUnavailable?.(err)) {
      res.setHeader('Retry-After', String(STORE_RETRY_AFTER_SECONDS));
      logger.warn({ err, path: req.path }, 'store unavailable');
      return sendProblem(res, 503, 'store_unavailable', 'The contact store cannot answer right now; retry later');
    }
    if (err instanceof AppError && err.status < 500) {
      return sendProblem(res, err.status, err.code, maskPii(err.message), err.extra as Partial<Problem>);
    }
    // Unknown errors never leak internals to the client.
    ((req as { log?: Logger }).log ?? logger).error({ err }, 'unhandled error');
    return sendProblem(res, 500, 'internal_error', 'An unexpected error occurred');
  };
}

/** An http-errors error a library raised for the client's request (4xx, meant to be shown). */
function isClientHttpError(err: unknown): err is { status: number } {
  const e = err as { status?: unknown; expose?: unknown } | null;
  return typeof e?.status === 'number' && e.status >= 400 && e.status < 500 && e.expose === true;
}
