// The job container's environment, both ways: `toEnv` is what the program writes into the
// container (components/backupJob.ts), `fromEnv` what the engine reads back (main.ts). The
// defaults live here only. Errors name the variable, never its value.
import { JOB_METRICS_PORT, METRICS_PORT_ENV } from './metrics';
import { BACKUPS_DIR, DOCKER_SOCKET, isStackName, STACK_NAME_RULE } from './rules';
import { Env, withSecretFiles } from './secretEnv';

export type Component = 'postgres' | 'minio' | 'redis';
export const ALL_COMPONENTS: readonly Component[] = ['postgres', 'minio', 'redis'];

/** Set to "true" by imctl in the environment of one exec (--allow-unencrypted), never in the container's. */
export const ALLOW_UNENCRYPTED_ENV = 'BACKUP_ALLOW_UNENCRYPTED';

/** What the job does when a variable is not set. */
export const JOB_DEFAULTS = {
  backupDir: BACKUPS_DIR,
  schedule: '0 2 * * *',
  timezone: 'UTC',
  retentionDays: 7,
  keepLast: 3,
  components: ['postgres', 'minio'] as readonly Component[],
  encrypt: true,
  gzipLevel: 0,
  dumpCompression: 1,
  postgres: { host: 'postgres', port: 5432, user: 'postgres', database: 'imstack' },
  s3: { endPoint: 'minio', port: 9000, useSSL: false, bucket: 'imstack', region: 'us-east-1' },
  redisPort: 6379,
  remote: { port: 443, useSSL: true, region: 'us-east-1' },
  /** The daemon's /metrics listener; 0 = off. */
  metricsPort: JOB_METRICS_PORT,
} as const;

/** Key prefix of a stack's off-site copies when REMOTE_S3_PREFIX is not set. */
export const remotePrefixOf = (stack: string): string => `imstack/${stack}/`;

export interface PostgresSettings {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** The application database that is backed up and restored. */
  readonly database: string;
  /** Where pg_dump/pg_restore live; empty means PATH. */
  readonly binDir?: string;
}

export interface S3Settings {
  readonly endPoint: string;
  readonly port: number;
  readonly useSSL: boolean;
  readonly accessKey: string;
  readonly secretKey: string;
  readonly bucket: string;
  readonly region: string;
}

export interface RemoteSettings extends S3Settings {
  readonly prefix: string;
}

export interface RedisSettings {
  readonly host: string;
  readonly port: number;
  readonly password?: string;
}

/** What every engine operation is given (the engine's BackupContext without its callbacks). */
export interface JobContextSettings {
  readonly stack: string;
  readonly backupDir: string;
  readonly backupKey?: string;
  readonly encrypt: boolean;
  readonly allowUnencrypted: boolean;
  readonly previousKeys: readonly string[];
  readonly gzipLevel: number;
  readonly dumpCompression: number;
  readonly postgres?: PostgresSettings;
  readonly s3?: S3Settings;
  readonly redis?: RedisSettings;
  readonly remote?: RemoteSettings;
}

export interface JobSettings {
  readonly ctx: JobContextSettings;
  readonly schedule: string;
  readonly timezone: string;
  readonly retention: { readonly retentionDays: number; readonly keepLast: number };
  readonly components: readonly Component[];
  /** The engine's socket, through which the daemon lifts a killed restore's maintenance page. */
  readonly dockerSocket: string;
  /** The daemon's /metrics port (0.0.0.0); 0 when it serves none. */
  readonly metricsPort: number;
}

/**
 * What the program passes (no secrets: those go as X_FILE files, see SECRET_ENV). Anything left
 * out gets JOB_DEFAULTS.
 */
export interface JobEnvInput {
  readonly stack: string;
  readonly postgres?: Partial<Pick<PostgresSettings, 'host' | 'port' | 'user' | 'database'>>;
  readonly s3?: Partial<Omit<S3Settings, 'secretKey'>>;
  readonly schedule?: string;
  readonly timezone?: string;
  readonly retentionDays?: number;
  readonly keepLast?: number;
  readonly components?: readonly Component[];
  /** False: archives are written plain, with the keyed MAC. */
  readonly encrypt?: boolean;
  readonly redis?: { readonly host: string; readonly port?: number };
  readonly remote?: Partial<Omit<RemoteSettings, 'secretKey' | 'endPoint' | 'bucket' | 'accessKey'>> & Pick<RemoteSettings, 'endPoint' | 'bucket' | 'accessKey'>;
  /**
   * The daemon's /metrics port; 0 switches it off. Left out, no variable is written and the job
   * listens on JOB_METRICS_PORT (so a stack deployed before the metrics sees no change).
   */
  readonly metricsPort?: number;
}

/** Why `name` cannot be a stack name, or undefined when it can. */
export function stackNameProblem(name: string): string | undefined {
  return isStackName(name) ? undefined : `invalid stack name ${JSON.stringify(name)} (${STACK_NAME_RULE})`;
}

/** The container's variables (`NAME=value`), in a fixed order so the program sees no spurious diff. */
export function toEnv(s: JobEnvInput): string[] {
  const problem = stackNameProblem(s.stack);
  if (problem) throw new Error(problem);
  const d = JOB_DEFAULTS;
  const pg = { ...d.postgres, ...s.postgres };
  const s3 = { ...d.s3, ...s.s3 };
  const components = s.components ?? d.components;
  parseComponents(components.join(','));
  const env: Array<[string, string | number | boolean]> = [
    ['STACK', s.stack],
    ['PGHOST', pg.host], ['PGPORT', pg.port], ['PGUSER', pg.user], ['PGDATABASE', pg.database],
    ['BACKUP_SCHEDULE', s.schedule ?? d.schedule], ['BACKUP_TIMEZONE', s.timezone ?? d.timezone],
    ['RETENTION_DAYS', s.retentionDays ?? d.retentionDays], ['KEEP_LAST', s.keepLast ?? d.keepLast],
    ['BACKUP_COMPONENTS', components.join(',')],
    ['BACKUP_ENCRYPT', s.encrypt ?? d.encrypt],
    ['S3_ENDPOINT', s3.endPoint], ['S3_PORT', s3.port], ['S3_USE_SSL', s3.useSSL], ['S3_REGION', s3.region], ['S3_BUCKET', s3.bucket],
  ];
  if (s3.accessKey !== undefined) env.push(['S3_ACCESS_KEY', s3.accessKey]);
  if (s.redis) env.push(['REDIS_HOST', s.redis.host], ['REDIS_PORT', s.redis.port ?? d.redisPort]);
  const r = s.remote;
  if (r) {
    env.push(
      ['REMOTE_S3_ENDPOINT', r.endPoint], ['REMOTE_S3_PORT', r.port ?? d.remote.port], ['REMOTE_S3_USE_SSL', r.useSSL ?? d.remote.useSSL],
      ['REMOTE_S3_BUCKET', r.bucket], ['REMOTE_S3_REGION', r.region ?? d.remote.region], ['REMOTE_S3_ACCESS_KEY', r.accessKey],
    );
    if (r.prefix !== undefined) env.push(['REMOTE_S3_PREFIX', r.prefix]);
  }
  if (s.metricsPort !== undefined) {
    if (!isPort(s.metricsPort, 0)) throw new Error(`metricsPort must be 0 (off) or a TCP port, not ${s.metricsPort}`);
    env.push([METRICS_PORT_ENV, s.metricsPort]);
  }
  return env.map(([k, v]) => `${k}=${v}`);
}

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

function isPort(n: number, min: number): boolean {
  return Number.isInteger(n) && n >= min && n <= 65535;
}

function port(env: Env, name: string, dflt: number): number {
  const n = int(env, name, dflt, 0);
  if (!isPort(n, 0)) throw new Error(`environment variable ${name} must be 0 (off) or a TCP port`);
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
  const list = parts.includes('all') ? [...JOB_DEFAULTS.components] : parts;
  const bad = list.filter((c) => !ALL_COMPONENTS.includes(c as Component));
  if (bad.length || list.length === 0) throw new Error(`unknown backup component(s) "${bad.join(',') || raw}" (use all, postgres, minio, redis)`);
  return list as Component[];
}

function remoteFrom(env: Env, stack: string): RemoteSettings | undefined {
  if (!env.REMOTE_S3_ENDPOINT) return undefined;
  const d = JOB_DEFAULTS.remote;
  return {
    endPoint: str(env, 'REMOTE_S3_ENDPOINT'),
    port: int(env, 'REMOTE_S3_PORT', d.port, 1),
    useSSL: bool(env, 'REMOTE_S3_USE_SSL', d.useSSL),
    accessKey: str(env, 'REMOTE_S3_ACCESS_KEY'),
    secretKey: str(env, 'REMOTE_S3_SECRET_KEY'),
    bucket: str(env, 'REMOTE_S3_BUCKET'),
    region: str(env, 'REMOTE_S3_REGION', d.region),
    prefix: str(env, 'REMOTE_S3_PREFIX', remotePrefixOf(stack)),
  };
}

/** The job's settings from its environment (secrets read from their X_FILE files). */
export function fromEnv(given: Env = process.env): JobSettings {
  const env = withSecretFiles(given);
  const d = JOB_DEFAULTS;
  const stack = str(env, 'STACK');
  if (!isStackName(stack)) throw new Error(`environment variable STACK must be ${STACK_NAME_RULE}`);
  const ctx: JobContextSettings = {
    stack,
    backupDir: str(env, 'BACKUP_DIR', d.backupDir),
    backupKey: env.BACKUP_KEY || undefined,
    encrypt: bool(env, 'BACKUP_ENCRYPT', d.encrypt),
    // imctl sets this in the environment of one exec only (--allow-unencrypted), never the container's.
    allowUnencrypted: bool(env, ALLOW_UNENCRYPTED_ENV, false),
    previousKeys: (env.BACKUP_PREVIOUS_KEYS ?? '').split(',').map((k) => k.trim()).filter(Boolean),
    gzipLevel: int(env, 'BACKUP_GZIP_LEVEL', d.gzipLevel, 0),
    dumpCompression: int(env, 'PG_DUMP_COMPRESS', d.dumpCompression, 0),
    postgres: env.PGPASSWORD !== undefined
      ? {
          host: str(env, 'PGHOST', d.postgres.host),
          port: int(env, 'PGPORT', d.postgres.port, 1),
          user: str(env, 'PGUSER', d.postgres.user),
          password: str(env, 'PGPASSWORD'),
          database: str(env, 'PGDATABASE', d.postgres.database),
          binDir: env.PG_BIN_DIR || undefined,
        }
      : undefined,
    s3: env.S3_ACCESS_KEY
      ? {
          endPoint: str(env, 'S3_ENDPOINT', d.s3.endPoint),
          port: int(env, 'S3_PORT', d.s3.port, 1),
          useSSL: bool(env, 'S3_USE_SSL', d.s3.useSSL),
          accessKey: str(env, 'S3_ACCESS_KEY'),
          secretKey: str(env, 'S3_SECRET_KEY'),
          bucket: str(env, 'S3_BUCKET', d.s3.bucket),
          region: str(env, 'S3_REGION', d.s3.region),
        }
      : undefined,
    redis: env.REDIS_HOST ? { host: env.REDIS_HOST, port: int(env, 'REDIS_PORT', d.redisPort, 1), password: env.REDIS_PASSWORD || undefined } : undefined,
    remote: remoteFrom(env, stack),
  };
  return {
    ctx,
    schedule: str(env, 'BACKUP_SCHEDULE', d.schedule),
    timezone: str(env, 'BACKUP_TIMEZONE', d.timezone),
    retention: { retentionDays: int(env, 'RETENTION_DAYS', d.retentionDays, 0), keepLast: int(env, 'KEEP_LAST', d.keepLast, 1) },
    components: parseComponents(str(env, 'BACKUP_COMPONENTS', d.components.join(','))),
    dockerSocket: str(env, 'DOCKER_SOCKET', DOCKER_SOCKET),
    metricsPort: port(env, METRICS_PORT_ENV, d.metricsPort),
  };
}
