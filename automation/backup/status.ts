// The job's last results, kept in the backups volume as status.json so that
// `imctl backups status` and `imctl health` can read them without talking to the job.
import { promises as fsp } from 'fs';
import { join } from 'path';

export interface RunRecord {
  readonly at: string;
  readonly kind: string;
  readonly file?: string;
  readonly bytes?: number;
  readonly durationMs?: number;
  readonly reason?: string;
}

export interface BackupStatus {
  readonly lastSuccess?: RunRecord;
  readonly lastFailure?: RunRecord;
  readonly lastRemote?: { readonly at: string; readonly ok: boolean; readonly file: string; readonly reason?: string };
  readonly nextRun?: string;
  readonly schedule?: string;
  readonly timezone?: string;
}

export const STATUS_FILE = 'status.json';
export const MAX_SUCCESS_AGE_HOURS = 26;

export async function readStatus(dir: string): Promise<BackupStatus> {
  try {
    return JSON.parse(await fsp.readFile(join(dir, STATUS_FILE), 'utf8')) as BackupStatus;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new Error(`cannot read ${STATUS_FILE}: ${(e as Error).message}`);
  }
}

/** Read-modify-write with an atomic rename, so a reader never sees half a file. */
export async function updateStatus(dir: string, patch: Partial<BackupStatus>): Promise<BackupStatus> {
  const next = { ...(await readStatus(dir)), ...patch };
  const tmp = join(dir, `.${STATUS_FILE}.${process.pid}.tmp`);
  await fsp.writeFile(tmp, JSON.stringify(next, null, 2) + '\n');
  await fsp.rename(tmp, join(dir, STATUS_FILE));
  return next;
}

export interface BackupHealth {
  readonly ok: boolean;
  readonly reason: string;
}

/** Health degrades when the last success is older than 26 hours (a daily job plus slack). */
export function backupHealth(status: BackupStatus, now: Date, maxAgeHours = MAX_SUCCESS_AGE_HOURS): BackupHealth {
  if (!status.lastSuccess) return { ok: false, reason: 'no successful backup yet' };
  const ageH = (now.getTime() - Date.parse(status.lastSuccess.at)) / 3_600_000;
  if (!(ageH <= maxAgeHours)) return { ok: false, reason: `last successful backup is ${ageH.toFixed(1)} h old (limit ${maxAgeHours} h)` };
  return { ok: true, reason: `last successful backup ${ageH.toFixed(1)} h ago` };
}
