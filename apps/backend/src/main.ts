// Process entry point: validate the environment, start, and shut down gracefully on SIGTERM.
import pino from 'pino';
import { ConfigError, loadConfig, type AppConfig } from './config';
import { createServer } from './server';

const SHUTDOWN_GRACE_MS = 15_000;

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`imstack backend: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = pino({ level: config.logLevel });
  const server = await createServer(config, { logger: log });
  await server.app.listen({ port: config.port, host: config.host });
  if (server.metrics && config.metricsPort !== null) await server.metrics.listen(config.metricsPort, config.host);
  log.info({ port: config.port, metricsPort: config.metricsPort ?? 'off', storageDriver: config.storageDriver, publicUrl: config.publicUrl }, 'backend listening');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: no new connections, finishing in-flight requests');
    const force = setTimeout(() => {
      log.error(`shutdown took longer than ${SHUTDOWN_GRACE_MS} ms, exiting anyway`);
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    server.close().then(
      () => {
        log.info('shutdown complete');
        process.exit(0);
      },
      (err) => {
        log.error({ err }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err) => {
  // Start-up failures (unreachable database, bad credentials) are reported in one line, without a stack.
  process.stderr.write(`imstack backend: start-up failed: ${String((err as Error)?.message ?? err).replace(/\/\/[^@/\s]*@/g, '//***@')}\n`);
  process.exit(1);
});
