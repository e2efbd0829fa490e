// What the backup job says about restores and the maintenance page, in words an operator can
// act on. Shared by `imctl health` (why the site is in maintenance) and `imctl start|restart`
// (a restore pending or interrupted, and what resolves it).
import { MAINTENANCE_FLAG } from '../backup/contract';
import type { BackupStatusAnswer, FlagAnswer } from './probes';

export interface RestoreNotice {
  /** warn: the site is (or may stay) in maintenance; info: nothing for the operator to do. */
  level: 'warn' | 'info';
  text: string;
}

/** The why of a maintenance flag, from the job's record and journal. */
export function maintenanceWhy(status: BackupStatusAnswer | undefined, nginxName: string): string {
  if (!status) return 'why unknown: the backup job status cannot be read';
  const m = status.maintenance;
  const r = status.restoring;
  if (!m) {
    if (r && r.phase !== 'committed') return `restore of ${base(r.archive)} at phase ${r.phase} (started ${r.startedAt})`;
    return `not set by a restore (no record in the backups volume); lift it with \`docker exec ${nginxName} rm -f ${MAINTENANCE_FLAG}\``;
  }
  const state = r && r.phase !== 'committed'
    ? `, now at phase ${r.phase}: in progress, or interrupted (the backup job then rolls it back and lifts the page)`
    : r
      ? ': committed, the backup job is lifting the page'
      : ': the data is settled, the backup job is lifting the page';
  const problem = m.problem ? `; its last attempt failed: ${m.problem.message}` : '';
  return `set by the ${m.reason}${state}${problem}`;
}

/**
 * What `imctl start|restart` should tell about restores, from the job's status and nginx's
 * flag (either may be missing). Empty when there is nothing to say.
 */
export function restoreNotices(status: BackupStatusAnswer | undefined, flag: FlagAnswer | null | undefined, stack: string, nginxName: string): RestoreNotice[] {
  const out: RestoreNotice[] = [];
  const r = status?.restoring;
  const m = status?.maintenance;
  if (r && r.phase !== 'committed') {
    out.push({
      level: 'warn',
      text:
        `a restore of ${base(r.archive)} is in progress or was interrupted (phase ${r.phase}, started ${r.startedAt}). ` +
        'The backup job rolls an interrupted one back and lifts the maintenance page by itself once it runs; ' +
        `\`imctl health --stack ${stack}\` shows when the site is back. If it is not: \`imctl logs backup --tail 50\`, then \`imctl restart backup\``,
    });
  } else if (r) {
    out.push({ level: 'info', text: `the restore of ${base(r.archive)} is committed; the backup job is writing its safety archive${r.safety ? ` ${r.safety}` : ''} (\`imctl backups status\`)` });
  }
  if (flag && m && !(r && r.phase !== 'committed')) {
    out.push({
      level: 'warn',
      text:
        `the site is still in maintenance (since ${flag.since}) from the ${m.reason}: the backup job starts the backends and lifts the page by itself` +
        (m.problem ? `; its last attempt failed: ${m.problem.message}` : '') +
        `. If it cannot (no Docker socket in the job): \`imctl start backend\`, then \`docker exec ${nginxName} rm -f ${MAINTENANCE_FLAG}\``,
    });
  } else if (flag && !m && !r) {
    out.push({ level: 'warn', text: `nginx serves the maintenance page (flag set since ${flag.since}), not set by a restore: lift it with \`docker exec ${nginxName} rm -f ${MAINTENANCE_FLAG}\`` });
  }
  return out;
}

function base(p: string): string {
  return p.split('/').pop() ?? p;
}
