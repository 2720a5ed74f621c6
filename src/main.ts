import { ConfigError, parseConfig } from './config';
import { createLogger } from './shared/logger';
import { startContactflow } from './start';

/** Process entry: parse config, start, and shut down in order on SIGTERM / SIGINT. */
async function main() {
  let config;
  try {
    config = parseConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const logger = createLogger(config.LOG_LEVEL, { role: config.ROLE }, {
    pretty: config.LOG_FORMAT === 'pretty' || (config.LOG_FORMAT === 'auto' && config.NODE_ENV === 'development' && process.stdout.isTTY),
  });
  const app = await startContactflow(config, logger).catch((err) => {
    logger.fatal({ err }, 'contactflow failed to start');
    process.stderr.write(`\n${(err as Error).message}\n`);
    process.exit(1);
  });

  let signals = 0;
  const shutdown = (signal: string) => {
    if (++signals > 1) {
      logger.warn('second signal: exiting now');
      process.exit(1);
    }
    logger.info({ signal }, 'shutting down');
    app.stop().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

void main();
