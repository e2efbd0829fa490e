// The job container's environment -> typed settings. Errors name the variable, never its value.
import { BackupContext, RemoteTarget } from './context';
import { ALL_COMPONENTS, Component } from './manifest';
import { STACK_RE } from './naming';
import { RetentionPolicy } from './retention';
import { withSecretFiles } from './secretEnv';

export interface JobSettings {
  readonly ctx: BackupContext;
  readonly schedule: string;
  readonly timezone: string;
  readonly retention: RetentionPolicy;
  readonly components: readonly Component[];
}

type Env = Readonly<Record<string, string | undefined>>;

/** Set to "true" by imctl in the environment of one exec (--allow-unencrypted); see BackupContext.allowUnencrypted. */
export const ALLOW_UNENCRYPTED_ENV = 'BACKUP_ALLOW_UNENCRYPTED';

function str(env: Env, name: string, dflt?: string): string {
  const v = env[name];
  if (v !== undefined && v !== '') return v;
  if (dflt !== undefined) return dflt;
  throw new Error(`environment variable ${name} is required`);
}

function int(env: Env, name: string, dflt: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`environment variable ${name} must be an integer >= ${min}`);
  return n;
}

function bool(env: Env, name: string, dflt: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  if (/^(1|true|yes)$/i.test(raw)) return true;
  if (/^(0|false|no)$/i.test(raw)) return false;
  throw new Error(`environment variable ${name} must be true or false`);
}

export function parseComponents(raw: string): Component[] {
  const parts = raw.split(',').map((s) => s.trim()).filter(Boolean);
  const list = parts.includes('all') ? ['postgres', 'minio'] : parts;
  const bad = list.filter((c) => !ALL_COMPONENTS.includes(c as Component));
  if (bad.length || list.length === 0) throw new Error(`unknown backup component(s) "${bad.join(',') || raw}" (use all, postgres, minio, redis)`);
  return list as Component[];
}

function remoteFrom(env: Env, stack: string): RemoteTarget | undefined {
  if (!env.REMOTE_S3_ENDPOINT) return undefined;
  return {
    endPoint: str(env, 'REMOTE_S3_ENDPOINT'),
    port: int(env, 'REMOTE_S3_PORT', 443, 1),
    useSSL: bool(env, 'REMOTE_S3_USE_SSL', true),
    accessKey: str(env, 'REMOTE_S3_ACCESS_KEY'),
    secretKey: str(env, 'REMOTE_S3_SECRET_KEY'),
    bucket: str(env, 'REMOTE_S3_BUCKET'),
    region: str(env, 'REMOTE_S3_REGION', 'us-east-1'),
    prefix: str(env, 'REMOTE_S3_PREFIX', `imstack/${stack}/`),
  };
}

export function settingsFromEnv(given: Env = process.env): JobSettings {
  const env = withSecretFiles(given);
  const stack = str(env, 'STACK');
  if (!STACK_RE.test(stack)) throw new Error('environment variable STACK must be lowercase letters, digits and dashes');
  const ctx: BackupContext = {
    stack,
    backupDir: str(env, 'BACKUP_DIR', '/backups'),
    backupKey: env.BACKUP_KEY || undefined,
    encrypt: bool(env, 'BACKUP_ENCRYPT', true),
    // imctl sets this in the environment of one exec only (--allow-unencrypted), never the container's.
    allowUnencrypted: bool(env, ALLOW_UNENCRYPTED_ENV, false),
    previousKeys: (env.BACKUP_PREVIOUS_KEYS ?? '').split(',').map((k) => k.trim()).filter(Boolean),
    gzipLevel: int(env, 'BACKUP_GZIP_LEVEL', 0, 0),
    dumpCompression: int(env, 'PG_DUMP_COMPRESS', 1, 0),
    postgres: env.PGPASSWORD !== undefined
      ? {
          host: str(env, 'PGHOST', 'postgres'),
          port: int(env, 'PGPORT', 5432, 1),
          user: str(env, 'PGUSER', 'postgres'),
          password: str(env, 'PGPASSWORD'),
          database: str(env, 'PGDATABASE', 'imstack'),
          binDir: env.PG_BIN_DIR || undefined,
        }
      : undefined,
    s3: env.S3_ACCESS_KEY
      ? {
          endPoint: str(env, 'S3_ENDPOINT', 'minio'),
          port: int(env, 'S3_PORT', 9000, 1),
          useSSL: bool(env, 'S3_USE_SSL', false),
          accessKey: str(env, 'S3_ACCESS_KEY'),
          secretKey: str(env, 'S3_SECRET_KEY'),
          bucket: str(env, 'S3_BUCKET', 'imstack'),
          region: str(env, 'S3_REGION', 'us-east-1'),
        }
      : undefined,
    redis: env.REDIS_HOST ? { host: env.REDIS_HOST, port: int(env, 'REDIS_PORT', 6379, 1), password: env.REDIS_PASSWORD || undefined } : undefined,
    remote: remoteFrom(env, stack),
  };
  return {
    ctx,
    schedule: str(env, 'BACKUP_SCHEDULE', '0 2 * * *'),
    timezone: str(env, 'BACKUP_TIMEZONE', 'UTC'),
    retention: { retentionDays: int(env, 'RETENTION_DAYS', 7, 0), keepLast: int(env, 'KEEP_LAST', 3, 1) },
    components: parseComponents(str(env, 'BACKUP_COMPONENTS', 'postgres,minio')),
  };
}
