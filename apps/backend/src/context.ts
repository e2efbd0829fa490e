// Everything a route needs, built once per process by server.ts (or by a test).
import type { Pool } from 'pg';
import type { Redis } from 'ioredis';
import type * as Minio from 'minio';
import type { AppConfig } from './config';
import type { ConversationRepository } from './conversations';
import type { FileRepository } from './files';
import type { BackendMetrics } from './metrics/registry';
import type { RealtimeHub } from './realtime';
import type { SessionStore } from './auth/sessions';
import type { TokenSigner } from './auth/tokens';
import type { MessageStore } from './store/message-store';
import type { UserRepository } from './users';

export interface AppContext {
  readonly config: AppConfig;
  readonly pool: Pool;
  readonly redis: Redis;
  readonly minio: Minio.Client;
  readonly users: UserRepository;
  readonly conversations: ConversationRepository;
  readonly files: FileRepository;
  readonly messages: MessageStore;
  readonly sessions: SessionStore;
  readonly tokens: TokenSigner;
  readonly hub: RealtimeHub;
  /** Null when METRICS_PORT is off: then nothing is measured at all. */
  readonly metrics: BackendMetrics | null;
}
