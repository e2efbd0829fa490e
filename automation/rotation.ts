// What each rotation target changes, so `imctl rotate` can say what will restart before it
// does. The program keys each random.RandomPassword on config rotation.<name>.

export const ROTATION_TARGETS = ['postgres', 'redis', 'minio', 'jwt', 'backup'] as const;
export type RotationTarget = (typeof ROTATION_TARGETS)[number];

export const ROTATION_EFFECTS: Record<RotationTarget, string> = {
  postgres:
    'new passwords for the postgres superuser and the imstack_app role; ALTER ROLE applies them inside the running postgres (no restart, data untouched); the backend replicas and the backup job are replaced to pick up the new DATABASE_URL',
  redis:
    'new requirepass: the redis container is replaced (its data stays in the redis volume, AOF on), then the backend replicas are replaced with the new REDIS_URL',
  minio:
    'new MinIO root and app-user credentials: minio is replaced (objects stay in its volume), minio-init re-runs to update the app user, and the backend replicas and backup job are replaced',
  jwt:
    'new JWT signing secret: the backend replicas are replaced; the old secret stays accepted as JWT_SECRET_PREVIOUS, so signed-in users are not logged out',
  backup:
    'new backup encryption key: the backup job container is replaced; archives made before now still need the previous key to restore',
};

export function configKey(target: RotationTarget): string {
  return `imstack:rotation.${target}`;
}

/** A fresh rotation value: the time, which also records when the secret was rotated. */
export function rotationValue(now: Date, previous: string | undefined): string {
  const value = now.toISOString();
  return value === previous ? `${value}#2` : value;
}
