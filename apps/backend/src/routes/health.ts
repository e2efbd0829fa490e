import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context';
import { checkHealth } from '../health';

export function healthRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/health', { logLevel: 'warn' }, async (_req, reply) => {
    const report = await checkHealth({ pool: ctx.pool, redis: ctx.redis, minio: ctx.minio, bucket: ctx.config.s3.bucket });
    return reply.code(report.status === 'ok' ? 200 : 503).header('cache-control', 'no-store').send(report);
  });
}
