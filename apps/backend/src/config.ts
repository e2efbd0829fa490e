// Reads and validates the app contract's environment variables in one place, so a bad
// deployment fails at start-up with every problem listed at once (and never echoes a secret).
import { readFileSync } from 'node:fs';

export type StorageDriver = 'postgres' | 'file';

export interface S3Config {
  readonly endPoint: string;
  readonly port: number;
  readonly useSSL: boolean;
  readonly accessKey: string;
  readonly secretKey: string;
  readonly bucket: string;
  readonly region: string;
}

export interface AppConfig {
  readonly port: number;
  readonly host: string;
  readonly databaseUrl: string;
  readonly redisUrl: string;
  readonly s3: S3Config;
  readonly jwtSecret: string;
  /** Accepted for verification only, so rotating JWT_SECRET does not log everyone out. */
  readonly jwtSecretPrevious: string | null;
  readonly publicUrl: string;
  readonly storageDriver: StorageDriver;
  /** Folder holding messages.json when storageDriver is "file". */
  readonly dataDir: string;
  readonly uploadMaxBytes: number;
  readonly logLevel: string;
  /** Port of the separate /metrics listener; null when METRICS_PORT is 0 or off. */
  readonly metricsPort: number | null;
}

export const DEFAULT_METRICS_PORT = 9464;

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * The variables that carry secrets. Each may instead be given as `<NAME>_FILE`, the path of a
 * file holding the value (a mounted secret), so the value need not sit in the container's env.
 */
export const SECRET_VARIABLES: readonly string[] = ['DATABASE_URL', 'REDIS_URL', 'S3_ACCESS_KEY', 'S3_SECRET_KEY', 'JWT_SECRET', 'JWT_SECRET_PREVIOUS'];

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Resolves `<NAME>_FILE` into `<NAME>` for every secret variable: the file's contents without
 * the trailing newline that editors and `echo` leave. Setting both forms is a problem, as in
 * the official postgres image, because which one wins would be a guess. An empty file leaves
 * the variable unset, which only a required variable reports (naming the file: `viaFile`);
 * `unreadable` holds the variables whose file could not be read, already reported here.
 */
function resolveSecretFiles(env: Env, problems: string[]): { env: Env; viaFile: ReadonlyMap<string, string>; unreadable: ReadonlySet<string> } {
  const resolved: Record<string, string | undefined> = { ...env };
  const viaFile = new Map<string, string>();
  const unreadable = new Set<string>();
  for (const name of SECRET_VARIABLES) {
    const fileVar = `${name}_FILE`;
    const filePath = (env[fileVar] ?? '').trim();
    if (!filePath) continue;
    viaFile.set(name, filePath);
    if ((env[name] ?? '').trim()) {
      problems.push(`${name} and ${fileVar} are both set; set only one of them`);
      continue;
    }
    try {
      resolved[name] = readFileSync(filePath, 'utf8').replace(/(\r?\n)+$/, '');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      const uid = process.getuid?.();
      problems.push(`${fileVar}: cannot read ${filePath} (${code}${code === 'EACCES' && uid !== undefined ? `: the process runs as uid ${uid}` : ''})`);
      // Reported here; "is required" would only repeat it.
      resolved[name] = undefined;
      unreadable.add(name);
    }
  }
  return { env: resolved, viaFile, unreadable };
}

// The admin role used to be given at registration to the names listed here, so whoever
// registered such a name first became admin. It now comes only from an operator act.
const ADMIN_USERNAMES_REMOVED =
  'ADMIN_USERNAMES is no longer supported: registering a listed name would make whoever claims it first an admin. ' +
  'Remove the variable and grant the role with `imctl admin grant <user>` (users who already hold it keep it)';

/** Parses `env` into an AppConfig, or throws ConfigError naming every problem found. */
export function loadConfig(rawEnv: Env = process.env): AppConfig {
  const problems: string[] = [];
  const { env, viaFile, unreadable } = resolveSecretFiles(rawEnv, problems);
  const str = (name: string): string => (env[name] ?? '').trim();

  const required = (name: string): string => {
    const v = str(name);
    if (!v && !unreadable.has(name)) problems.push(viaFile.has(name) ? `${name}_FILE: ${viaFile.get(name)} is empty` : `${name} is required`);
    return v;
  };

  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = str(name);
    if (!raw) return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      problems.push(`${name} must be an integer between ${min} and ${max} (got "${raw}")`);
      return fallback;
    }
    return Number(raw);
  };

  const url = (name: string, protocols: string[], secretBearing: boolean): string => {
    const v = required(name);
    if (!v) return v;
    let parsed: URL;
    try {
      parsed = new URL(v);
    } catch {
      // A URL that carries a password must not be echoed back.
      problems.push(`${name} is not a valid URL${secretBearing ? '' : ` (got "${v}")`}`);
      return v;
    }
    if (!protocols.includes(parsed.protocol)) {
      problems.push(`${name} must use ${protocols.map((p) => p.replace(/:$/, '://')).join(' or ')} (got "${parsed.protocol}")`);
    }
    return v;
  };

  const port = int('PORT', 4000, 1, 65535);
  const databaseUrl = url('DATABASE_URL', ['postgres:', 'postgresql:'], true);
  const redisUrl = url('REDIS_URL', ['redis:', 'rediss:'], true);

  const s3Endpoint = required('S3_ENDPOINT');
  if (s3Endpoint && /[/:]/.test(s3Endpoint)) {
    problems.push(`S3_ENDPOINT must be a bare host name (put the port in S3_PORT and TLS in S3_USE_SSL), got "${s3Endpoint}"`);
  }
  const s3Port = int('S3_PORT', 9000, 1, 65535);
  const sslRaw = str('S3_USE_SSL').toLowerCase() || 'false';
  if (!['true', 'false', '1', '0'].includes(sslRaw)) problems.push(`S3_USE_SSL must be true or false (got "${sslRaw}")`);
  const s3AccessKey = required('S3_ACCESS_KEY');
  const s3SecretKey = required('S3_SECRET_KEY');
  const s3Bucket = required('S3_BUCKET');
  if (s3Bucket && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(s3Bucket)) {
    problems.push(`S3_BUCKET must be a valid bucket name (3-63 chars of a-z, 0-9, ".", "-"), got "${s3Bucket}"`);
  }

  const jwtSecret = required('JWT_SECRET');
  if (jwtSecret && jwtSecret.length < 16) problems.push('JWT_SECRET must be at least 16 characters long');
  const jwtPrevious = str('JWT_SECRET_PREVIOUS');
  if (jwtPrevious && jwtPrevious.length < 16) problems.push('JWT_SECRET_PREVIOUS must be at least 16 characters long when set');

  const publicUrlRaw = str('PUBLIC_URL') || `http://localhost:${port}`;
  try {
    const u = new URL(publicUrlRaw);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') problems.push(`PUBLIC_URL must be an http(s) URL (got "${publicUrlRaw}")`);
  } catch {
    problems.push(`PUBLIC_URL is not a valid URL (got "${publicUrlRaw}")`);
  }

  const driver = (str('STORAGE_DRIVER') || 'postgres').toLowerCase();
  if (driver !== 'postgres' && driver !== 'file') problems.push(`STORAGE_DRIVER must be "postgres" or "file" (got "${driver}")`);

  const uploadMaxMb = int('UPLOAD_MAX_MB', 10, 1, 1024);

  const logLevel = (str('LOG_LEVEL') || 'info').toLowerCase();
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}")`);

  const metricsPort = parseMetricsPort(str('METRICS_PORT'), port, problems);

  if (str('ADMIN_USERNAMES')) problems.push(ADMIN_USERNAMES_REMOVED);

  if (problems.length) throw new ConfigError(problems);

  return {
    port,
    host: str('HOST') || '0.0.0.0',
    databaseUrl,
    redisUrl,
    s3: {
      endPoint: s3Endpoint,
      port: s3Port,
      useSSL: sslRaw === 'true' || sslRaw === '1',
      accessKey: s3AccessKey,
      secretKey: s3SecretKey,
      bucket: s3Bucket,
      region: str('S3_REGION') || 'us-east-1',
    },
    jwtSecret,
    jwtSecretPrevious: jwtPrevious || null,
    publicUrl: publicUrlRaw.replace(/\/+$/, ''),
    storageDriver: driver as StorageDriver,
    dataDir: str('DATA_DIR') || 'data',
    uploadMaxBytes: uploadMaxMb * 1024 * 1024,
    logLevel,
    metricsPort,
  };
}

/** `0` or `off` turns the metrics listener off; it can never share the app port. */
function parseMetricsPort(raw: string, appPort: number, problems: string[]): number | null {
  if (raw === '0' || raw.toLowerCase() === 'off') return null;
  if (raw && (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 65535)) {
    problems.push(`METRICS_PORT must be a port from 1 to 65535, or 0 or off to disable the metrics listener (got "${raw}")`);
    return null;
  }
  const metricsPort = raw ? Number(raw) : DEFAULT_METRICS_PORT;
  if (metricsPort === appPort) {
    problems.push(`METRICS_PORT${raw ? '' : ` (default ${DEFAULT_METRICS_PORT})`} must differ from PORT (both are ${appPort}): the app port never serves /metrics`);
  }
  return metricsPort;
}
