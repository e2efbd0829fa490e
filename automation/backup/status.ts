// The job's last results, kept in the backups volume as status.json so that
// `imctl backups status` and `imctl health` can read them without talking to the job.
import { promises as fsp } from 'fs';
import { join } from 'path';
import { writeJsonAtomic } from './atomicFile';
import { STATUS_FILE } from './contract';

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

export { STATUS_FILE };
/** Present while a restore has the site in maintenance (written by the job before it asks to enter, removed once it is lifted). */
export const MAINTENANCE_FILE = 'maintenance.json';
export const MAX_SUCCESS_AGE_HOURS = 26;

export async function readStatus(dir: string): Promise<BackupStatus> {
  try {
    return JSON.parse(await fsp.readFile(join(dir, STATUS_FILE), 'utf8')) as BackupStatus;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new Error(`cannot read ${STATUS_FILE}: ${(e as Error).message}`);
  }
}

/** Read-modify-write; a reader never sees half a file. */
export async function updateStatus(dir: string, patch: Partial<BackupStatus>): Promise<BackupStatus> {
  const next = { ...(await readStatus(dir)), ...patch };
  await writeJsonAtomic(join(dir, STATUS_FILE), next);
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

/**
 * Why the site is in maintenance, kept beside the restore journal so that whoever finds the
 * site down (the job daemon after a restart, `imctl health`, `imctl start`) can tell that a
 * restore put it there, since when, and whether imctl had finished entering it.
 */
export interface MaintenanceRecord {
  readonly since: string;
  /** E.g. "restore of backup_dev_20250101_020000.tar.gz.enc". */
  readonly reason: string;
  /** True once the caller answered that the page is up and the backends are stopped. */
  readonly entered: boolean;
  /** The last attempt of the job to lift it, when that failed. */
  readonly problem?: { readonly at: string; readonly message: string };
}

export async function readMaintenance(dir: string): Promise<MaintenanceRecord | undefined> {
  try {
    return JSON.parse(await fsp.readFile(join(dir, MAINTENANCE_FILE), 'utf8')) as MaintenanceRecord;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read ${MAINTENANCE_FILE}: ${(e as Error).message}`);
  }
}

/** Durable: the record must survive the kill it is there for. */
export async function writeMaintenance(dir: string, record: MaintenanceRecord): Promise<void> {
  await writeJsonAtomic(join(dir, MAINTENANCE_FILE), record, { mode: 0o600, durable: true });
}

export async function clearMaintenance(dir: string): Promise<void> {
  await fsp.rm(join(dir, MAINTENANCE_FILE), { force: true });
}
