// The job's secrets arrive as files: for each variable X below, X_FILE names a file holding
// it (components/secretFiles.ts), so no credential sits in the container's environment, where
// `docker inspect` shows it. Errors name the variable and the file, never the value.
import { readFileSync } from 'fs';

/** Variables of the job that carry secrets. */
export const SECRET_ENV = ['PGPASSWORD', 'S3_SECRET_KEY', 'BACKUP_KEY', 'BACKUP_PREVIOUS_KEYS', 'REDIS_PASSWORD', 'REMOTE_S3_SECRET_KEY'] as const;
export type SecretEnvName = (typeof SECRET_ENV)[number];

/** Variables the job reads as they are; not secret, yet kept out of output (imctl's redactor). */
export const ACCESS_KEY_ENV = ['S3_ACCESS_KEY', 'REMOTE_S3_ACCESS_KEY'] as const;

export type Env = Readonly<Record<string, string | undefined>>;

/** `env` with every X_FILE read into X (trailing newlines dropped); X and X_FILE together are an error. */
export function withSecretFiles(env: Env, read: (file: string) => string = (f) => readFileSync(f, 'utf8')): Env {
  const out: Record<string, string | undefined> = { ...env };
  for (const name of SECRET_ENV) {
    const file = env[`${name}_FILE`];
    if (!file) continue;
    if (env[name] !== undefined && env[name] !== '') throw new Error(`environment variables ${name} and ${name}_FILE are both set; set only one`);
    try {
      out[name] = read(file).replace(/(\r?\n)+$/, '');
    } catch (e) {
      throw new Error(`${name}_FILE ${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  return out;
}
