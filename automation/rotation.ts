// What each rotation target changes, so `imctl rotate` can say what will restart before it
// does. The program keys each random.RandomPassword on config rotation.<name>.

// The targets are the catalogue's (the program keys its passwords on the same list).
import { ROTATION_TARGETS, type RotationTarget } from '../catalogue';

export { ROTATION_TARGETS, type RotationTarget };

export const ROTATION_EFFECTS: Record<RotationTarget, string> = {
  postgres:
    'new passwords for the postgres superuser and the imstack_app role (and imstack_monitor, imstack_studio when monitoring or the admin UI is on); ALTER ROLE applies them inside the running postgres (no restart, data untouched); the backend replicas and the backup job are replaced to pick up the new DATABASE_URL',
  redis:
    'new requirepass: the redis container is replaced (its data stays in the redis volume, AOF on), then the backend replicas are replaced with the new REDIS_URL',
  minio:
    'new MinIO root and app-user credentials: minio is replaced (objects stay in its volume), minio-init re-runs to update the app user, and the backend replicas and backup job are replaced',
  jwt:
    'new JWT signing secret: the backend replicas are replaced; the old secret stays accepted as JWT_SECRET_PREVIOUS (rotation.jwtPrevious), so signed-in users are not logged out',
  backup:
    'new backup encryption key: the backup job container is replaced; the previous key is kept (rotation.backupPrevious) so older archives stay restorable',
  grafana:
    'new Grafana admin password: the grafana container is replaced (it keeps no state of its own: dashboards and the datasource are provisioned); read it with imctl outputs --show-secrets',
  studio:
    'new password for the basic authentication in front of Studio: nginx is replaced with the new user file (a few seconds without the site); read it with imctl outputs --show-secrets',
};

export function configKey(target: RotationTarget): string {
  return `imstack:rotation.${target}`;
}

/** Unset rotation values read as this in the program (components/config.ts). */
export const DEFAULT_ROTATION = '0';

/**
 * A fresh rotation value: the time, which also records when the secret was rotated. It fits
 * the program's pattern [A-Za-z0-9._:+-]{1,64}.
 */
export function rotationValue(now: Date, previous: string | undefined): string {
  const value = now.toISOString();
  return value === previous ? new Date(now.getTime() + 1).toISOString() : value;
}

export interface ConfigWrite {
  key: string;
  value: string;
}

/**
 * The config writes one rotation needs. JWT and backup keys are derived from the rotation
 * value, so the program also needs the value being replaced: rotation.jwtPrevious keeps old
 * sessions verifying, rotation.backupPrevious (a list) keeps older archives restorable.
 * @param read current value of a config path, undefined when unset
 */
export async function rotationWrites(target: RotationTarget, value: string, read: (key: string) => Promise<string | undefined>): Promise<ConfigWrite[]> {
  const previous = (await read(configKey(target))) ?? DEFAULT_ROTATION;
  const writes: ConfigWrite[] = [];
  if (target === 'jwt') writes.push({ key: 'imstack:rotation.jwtPrevious', value: previous });
  if (target === 'backup') {
    const raw = await read('imstack:rotation.backupPrevious');
    let list: unknown = [];
    try {
      list = raw ? JSON.parse(raw) : [];
    } catch {
      list = [];
    }
    const n = Array.isArray(list) ? list.length : 0;
    if (!(Array.isArray(list) && list.includes(previous))) writes.push({ key: `imstack:rotation.backupPrevious[${n}]`, value: previous });
  }
  writes.push({ key: configKey(target), value });
  return writes;
}
