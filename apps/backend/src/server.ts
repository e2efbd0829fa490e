// Wires the real dependencies together: connects (with start-up retries), migrates, makes sure the
// bucket exists, starts the sweep of unfinished file deletions, and returns the app plus an
// orderly close() for graceful shutdown.
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import pino from 'pino';
import { buildApp, type Lifecycle } from './app';
import { SessionStore } from './auth/sessions';
import { TokenSigner } from './auth/tokens';
import type { AppConfig } from './config';
import type { AppContext } from './context';
import { ConversationRepository } from './conversations';
import { createPool, POOL_MAX } from './db';
import { DEFAULT_SWEEP_INTERVAL_MS, DeletionSweeper } from './file-deletion';
import { FileRepository } from './files';
import { metricsEndpoint, type MetricsEndpoint } from './metrics/listener';
import { BackendMetrics } from './metrics/registry';
import { instrumentObjectClient } from './metrics/s3';
import { migrate } from './migrations';
import { createObjectClient, ensureBucket } from './object-storage';
import { RealtimeHub } from './realtime';
import { retryUntil } from './startup';
import { FileMessageStore } from './store/file-message-store';
import type { MessageStore } from './store/message-store';
import { PgMessageStore } from './store/pg-message-store';
import { UserRepository } from './users';

const CLOSE_GRACE_MS = 10_000;

export interface Server {
  readonly app: FastifyInstance;
  readonly ctx: AppContext;
  /** The /metrics listener, not yet listening (main.ts starts it on METRICS_PORT); null when off. */
  readonly metrics: MetricsEndpoint | null;
  /** Stops accepting, lets in-flight requests finish, then closes every pool and connection. */
  close(): Promise<void>;
}

export interface ServerOptions {
  /** How long start-up waits for postgres, redis and S3 (default 60 s). */
  readonly startupTimeoutMs?: number;
  readonly logger?: pino.Logger | false;
  /** How often unfinished file deletions are retried after the start-up pass (default 60 s). */
  readonly deletionSweepIntervalMs?: number;
}

export async function createServer(config: AppConfig, opts: ServerOptions = {}): Promise<Server> {
  const log = opts.logger === false ? pino({ level: 'silent' }) : (opts.logger ?? pino({ level: config.logLevel }));
  const deadline = opts.startupTimeoutMs ?? 60_000;
  const cleanups: (() => Promise<unknown>)[] = [];
  const cleanup = async () => {
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
  };

  try {
    const pool = createPool(config.databaseUrl, log);
    cleanups.push(() => pool.end());
    const { applied } = await retryUntil('postgres', deadline, log, () => migrate(pool));
    log.info({ applied }, applied.length ? 'migrations applied' : 'schema up to date');

    // No offline queue: while redis is down, commands fail at once (fast 503s) instead of hanging.
    const redisOpts = { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 3000 };
    const redis = new Redis(config.redisUrl, redisOpts);
    const subscriber = new Redis(config.redisUrl, redisOpts);
    for (const [name, r] of [['redis', redis], ['redis subscriber', subscriber]] as const) {
      r.on('error', (err: Error) => log.warn({ err: err.message }, `${name} error`));
      cleanups.push(() => r.quit().catch(() => r.disconnect()));
    }
    await retryUntil('redis', deadline, log, () => redis.connect().catch((err) => { redis.disconnect(); throw err; }));
    await retryUntil('redis', deadline, log, () => subscriber.connect().catch((err) => { subscriber.disconnect(); throw err; }));

    const rawMinio = createObjectClient(config.s3);
    if (await retryUntil('s3', deadline, log, () => ensureBucket(rawMinio, config.s3))) log.info({ bucket: config.s3.bucket }, 'bucket created');

    const hub = new RealtimeHub(redis, subscriber, log);
    // METRICS_PORT=off measures nothing: no registry, no hook, no proxy around the S3 client.
    const metrics = config.metricsPort === null ? null : new BackendMetrics({ pool, poolMax: POOL_MAX, openWebsockets: () => hub.connectionCount });
    const minio = metrics ? instrumentObjectClient(rawMinio, metrics) : rawMinio;
    const endpoint = metrics ? metricsEndpoint(metrics.registry, log) : null;
    if (endpoint) cleanups.push(() => endpoint.close());

    let messages: MessageStore;
    if (config.storageDriver === 'file') {
      const fileStore = await FileMessageStore.open(config.dataDir);
      log.warn({ file: fileStore.file }, 'STORAGE_DRIVER=file: messages are kept in a local JSON file (single replica, local trials only)');
      messages = fileStore;
    } else {
      messages = new PgMessageStore(pool);
    }
    cleanups.push(() => messages.close());

    const ctxBase = {
      config,
      pool,
      redis,
      minio,
      users: new UserRepository(pool),
      conversations: new ConversationRepository(pool),
      files: new FileRepository(pool),
      messages,
      sessions: new SessionStore(redis),
      tokens: new TokenSigner(config.jwtSecret, config.jwtSecretPrevious),
    };
    const ctx: AppContext = { ...ctxBase, hub, metrics };
    const lifecycle: Lifecycle = { closing: false };
    const app = buildApp(ctx, { logger: log, lifecycle });
    await hub.start();
    const sweeper = new DeletionSweeper({ minio, bucket: config.s3.bucket, files: ctx.files }, log, opts.deletionSweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS);
    cleanups.push(() => sweeper.stop());
    sweeper.start();
    return {
      app,
      ctx,
      metrics: endpoint,
      close: async () => {
        // In-flight requests get a grace period; then remaining connections are cut.
        lifecycle.closing = true;
        const cut = setTimeout(() => app.server.closeAllConnections(), CLOSE_GRACE_MS);
        try {
          await app.close();
        } finally {
          clearTimeout(cut);
        }
        hub.closeAll();
        await cleanup();
      },
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
