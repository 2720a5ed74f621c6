import pino, { type Logger } from 'pino';
import { maskPii, REDACT_PATHS } from './pii';

export type { Logger };

/**
 * One logger for the process. Context (requestId, jobId, account) is added with `child()` at the
 * edges; PII never reaches the output: structured identifier fields are redacted by path and
 * error messages are masked.
 */
export function createLogger(level: string, base: Record<string, unknown> = {}, opts: { pretty?: boolean } = {}): Logger {
  return pino({
    // pino-pretty is a dev dependency: only a developer's terminal gets colours, production gets JSON.
    ...(opts.pretty && prettyAvailable() ? { transport: { target: 'pino-pretty', options: { colorize: true, ignore: 'pid,hostname,service' } } } : {}),
    level,
    base: { service: 'contactflow', ...base },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: {
      err: (err: unknown) => {
        const s = pino.stdSerializers.err(err as Error);
        return { ...s, message: maskPii(s.message ?? ''), stack: s.stack ? maskPii(s.stack) : undefined };
      },
    },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}

function prettyAvailable(): boolean {
  try {
    require.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}
