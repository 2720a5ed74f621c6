import pino, { type Logger } from 'pino';
import { maskPii, REDACT_PATHS } from './pii';

export type { Logger };

/**
 * One logger for the process. Context (requestId, jobId, account) is added with `child()` at the
 * edges; PII never reaches the output: structured identifier fields are redacted by path and
 * error messages are masked.
 */
export function createLogger(level: string, base: Record<string, unknown> = {}, opts: { pretty?: boolean; destination?: pino.DestinationStream } = {}): Logger {
  const options: pino.LoggerOptions = {
    // pino-pretty is a dev dependency: only a developer's terminal gets colours, production gets JSON.
    ...(opts.pretty && prettyAvailable() ? { transport: { target: 'pino-pretty', options: { colorize: true, ignore: 'pid,hostname,service' } } } : {}),
    level,
    base: { service: 'contactflow', ...base },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: { err: serializeError },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  // A destination (tests capture the lines) is written to directly, without the pretty transport.
  return opts.destination ? pino({ ...options, transport: undefined }, opts.destination) : pino(options);
}

function prettyAvailable(): boolean {
  try {
    require.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

/**
 * An error as the logs show it: its type, code, masked message and masked stack, and its cause the
 * same way. Nothing else: a driver's duplicate-key error carries the offending document
 * (`keyValue.email`), a validation error the values it refused.
 */
export function serializeError(err: unknown, depth = 0): Record<string, unknown> | unknown {
  if (!(err instanceof Error)) return typeof err === 'string' ? maskPii(err) : { type: typeof err };
  const code = (err as { code?: unknown }).code;
  const cause = (err as { cause?: unknown }).cause;
  return {
    type: err.constructor?.name ?? err.name,
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
    message: maskPii(err.message ?? ''),
    ...(err.stack ? { stack: maskPii(err.stack) } : {}),
    ...(cause !== undefined && depth < 3 ? { cause: serializeError(cause, depth + 1) } : {}),
  };
}
