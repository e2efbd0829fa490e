// The job's last results, kept in the backups volume as status.json so that
// `imctl backups status` and `imctl health` can read them without talking to the job.
import { promises as fsp } from 'fs';
import { join } from 'path';
import { writeJsonAtomic } from './atomicFile';
import { FailureReason, RestoreOutcome, STATUS_FILE } from './contract';

export interface RunRecord {
  readonly at: string;
  readonly kind: string;
  readonly file?: string;
  readonly bytes?: number;
  /** Objects in the archive (a success). */
  readonly objects?: number;
  readonly durationMs?: number;
  readonly reason?: string;
  /** Where a failure stopped (the failures counter's label). */
  readonly stage?: FailureReason;
}

export interface BackupStatus {
  readonly lastSuccess?: RunRecord;
  readonly lastFailure?: RunRecord;
  readonly lastRemote?: { readonly at: string; readonly ok: boolean; readonly file: string; readonly reason?: string };
  readonly nextRun?: string;
  readonly schedule?: string;
  readonly timezone?: string;
  /**
   * When the job daemon first started on this volume, written once. The metrics give it as the
   * last success until there is one, so a stack that never backs up still goes stale.
   */
  readonly firstStartedAt?: string;
  /** Failed runs by stage, since the volume was created (the metrics' counters survive restarts). */
  readonly failures?: Partial<Record<FailureReason, number>>;
  /** Restores by outcome, likewise. */
  readonly restores?: Partial<Record<RestoreOutcome, number>>;
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

/** Taken around each read-modify-write of status.json (the writers: the daemon and `docker exec`ed commands). */
export const STATUS_LOCK = '.status.lock';
/** A status write takes milliseconds: a lock this old was left by a killed writer. */
const STATUS_LOCK_STALE_MS = 5_000;
/** Longer than the stale age, so a waiter outlives a dead holder's lock. */
const STATUS_LOCK_WAIT_MS = 15_000;

/** Writers in this process, one after another per directory (they share atomicFile's temp name). */
const queues = new Map<string, Promise<unknown>>();

/**
 * Without it two writers (the daemon's nextRun after a run, an exec'd restore counting its
 * outcome) could each read the old file and the later rename would drop the other's change.
 */
async function withStatusLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const lock = join(dir, STATUS_LOCK);
  const deadline = Date.now() + STATUS_LOCK_WAIT_MS;
  for (;;) {
    try {
      await fsp.writeFile(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const st = await fsp.stat(lock).catch(() => undefined);
      if (st && Date.now() - st.mtimeMs > STATUS_LOCK_STALE_MS) {
        await fsp.rm(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`cannot update ${STATUS_FILE}: ${STATUS_LOCK} has been held for ${STATUS_LOCK_WAIT_MS / 1000}s`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  try {
    return await fn();
  } finally {
    await fsp.rm(lock, { force: true });
  }
}

function serialized<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const run = (queues.get(dir) ?? Promise.resolve()).then(() => withStatusLock(dir, fn));
  const tail = run.catch(() => undefined);
  queues.set(dir, tail);
  void tail.then(() => {
    if (queues.get(dir) === tail) queues.delete(dir);
  });
  return run;
}

/**
 * Read-modify-write under the status lock; a reader never sees half a file. `patch` may be a
 * function of the current status, for changes that depend on it (counters, write-once fields).
 */
export async function updateStatus(dir: string, patch: Partial<BackupStatus> | ((current: BackupStatus) => Partial<BackupStatus>)): Promise<BackupStatus> {
  return serialized(dir, async () => {
    const current = await readStatus(dir);
    const next = { ...current, ...(typeof patch === 'function' ? patch(current) : patch) };
    await writeJsonAtomic(join(dir, STATUS_FILE), next);
    return next;
  });
}

function plusOne<K extends string>(counts: Partial<Record<K, number>> | undefined, key: K): Partial<Record<K, number>> {
  const was = counts?.[key];
  return { ...counts, [key]: (typeof was === 'number' && Number.isFinite(was) && was >= 0 ? was : 0) + 1 } as Partial<Record<K, number>>;
}

/** A failed run (or a failed settle task): the last failure and its stage's count. */
export async function recordFailure(dir: string, failure: RunRecord & { readonly stage: FailureReason }): Promise<BackupStatus> {
  return updateStatus(dir, (cur) => ({ lastFailure: failure, failures: plusOne(cur.failures, failure.stage) }));
}

/** One restore's outcome, counted once by whoever settles it (restore(), or the recovery of a killed one). */
export async function recordRestore(dir: string, outcome: RestoreOutcome): Promise<BackupStatus> {
  return updateStatus(dir, (cur) => ({ restores: plusOne(cur.restores, outcome) }));
}

/** The daemon's start: firstStartedAt the first time only. */
export function firstStart(current: BackupStatus, now: Date): Partial<BackupStatus> {
  return current.firstStartedAt ? {} : { firstStartedAt: now.toISOString() };
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
