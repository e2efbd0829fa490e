// The network and filesystem probes `imctl health` runs. Injected so unit tests decide
// what answers; the real ones use pg, ioredis, the minio client, fetch, net and statfs.
import type { StatusJobResult } from '../backup/contract';

export interface PgTarget {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

export interface RedisTarget {
  host: string;
  port: number;
  password?: string;
  db?: number;
}

export interface BucketTarget {
  endPoint: string;
  port: number;
  useSSL: boolean;
  accessKey: string;
  secretKey: string;
  bucket: string;
  region?: string;
}

export interface HttpAnswer {
  status: number;
  body: string;
}

export interface DiskSpace {
  freeBytes: number;
  totalBytes: number;
}

/** What the backup job's status says (`main.js status`, read inside the job container); health needs only these. */
export type BackupStatusAnswer = Partial<Pick<StatusJobResult, 'lastSuccess' | 'lastFailure' | 'restoring' | 'maintenance'>>;

/** The maintenance flag in an nginx container. */
export interface FlagAnswer {
  /** When the flag file was last touched (ISO). */
  since: string;
}

export interface Probes {
  /** Runs a real query; resolves with the server version. */
  postgres(target: PgTarget, timeoutMs: number): Promise<string>;
  /** Resolves when PING answers PONG. */
  redis(target: RedisTarget, timeoutMs: number): Promise<void>;
  /** Resolves with whether the bucket exists. */
  bucket(target: BucketTarget, timeoutMs: number): Promise<boolean>;
  http(url: string, timeoutMs: number): Promise<HttpAnswer>;
  /** True when something accepts TCP connections there. */
  tcp(host: string, port: number, timeoutMs: number): Promise<boolean>;
  /** Free space of the filesystem holding path, or null when the path is not local. */
  disk(path: string): Promise<DiskSpace | null>;
  /** The backup job's status, read by running `main.js status --json` in its container. Optional: without it the backup-age check is skipped. */
  backupStatus?(containerId: string, timeoutMs: number): Promise<BackupStatusAnswer>;
  /** Whether nginx's maintenance flag is set in that container (null: not set). Optional: without it the maintenance check is skipped. */
  maintenanceFlag?(containerId: string, timeoutMs: number): Promise<FlagAnswer | null>;
  /**
   * What amtool prints for `alert query --output=json` in the Alertmanager container (alerts.ts
   * builds the command and parses it); rejects when amtool fails. Optional: without it the alerts are skipped.
   */
  alertmanagerAlerts?(containerId: string, timeoutMs: number): Promise<string>;
}
