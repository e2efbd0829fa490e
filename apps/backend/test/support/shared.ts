import type { Postgres, RedisServer, S3Server } from './services';

export interface SharedServices {
  readonly pg: Postgres;
  readonly redis: RedisServer;
  readonly s3: S3Server;
  readonly databaseUrl: string;
}

/** Filled by the global fixtures; read by tests in the same process. */
export const shared: { services: SharedServices | null; skipReason: string | null } = { services: null, skipReason: null };
