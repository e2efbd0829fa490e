// Deep health checks with short timeouts, so a dead dependency turns /health into a fast 503
// naming it instead of a hanging request.
import type { Pool } from 'pg';
import type { Redis } from 'ioredis';
import type * as Minio from 'minio';

export interface HealthReport {
  readonly status: 'ok' | 'degraded';
  readonly checks: Record<'postgres' | 'redis' | 's3', string>;
}

export interface HealthTargets {
  readonly pool: Pool;
  readonly redis: Redis;
  readonly minio: Minio.Client;
  readonly bucket: string;
}

const TIMEOUT_MS = 1500;

async function probe(fn: () => Promise<unknown>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
  });
  try {
    await Promise.race([fn(), timeout]);
    return 'ok';
  } catch (err) {
    // Error texts from drivers can embed connection strings; keep only the first line and strip URLs' credentials.
    const msg = String((err as Error)?.message ?? err).split('\n')[0].replace(/\/\/[^@/\s]*@/g, '//***@');
    return `down: ${msg.slice(0, 200)}`;
  } finally {
    clearTimeout(timer);
  }
}

export async function checkHealth(t: HealthTargets): Promise<HealthReport> {
  const [postgres, redis, s3] = await Promise.all([
    probe(() => t.pool.query('SELECT 1')),
    probe(async () => {
      if (t.redis.status !== 'ready') throw new Error(`connection ${t.redis.status}`);
      await t.redis.ping();
    }),
    probe(async () => {
      if (!(await t.minio.bucketExists(t.bucket))) throw new Error(`bucket ${t.bucket} is missing`);
    }),
  ]);
  const checks = { postgres, redis, s3 };
  return { status: Object.values(checks).every((c) => c === 'ok') ? 'ok' : 'degraded', checks };
}
