// Runs the steps of one restore (steps.ts) in order: each is journaled and announced before it
// runs, and any failure before the commit goes through the one rollback below.
import { promises as fsp } from 'fs';
import { join } from 'path';
import { freeName } from '../backup';
import { BackupContext, encrypts, nowOf } from '../context';
import { StagedArchive } from '../incoming';
import { clearJournal, RestoreJournal, writeJournal } from '../journal';
import { ArchiveRejected, Component, Manifest } from '../manifest';
import { formatTimestamp } from '../naming';
import { s3Client } from '../objects';
import { WORK_DIR } from '../store';
import { resolveJournal } from './recover';
import { enterStep, RestoreState } from './state';
import { STEPS } from './steps';
import { noHooks, NotStarted, RESTORE_WORK, RestoreFailed, RestoreOptions, RestoreResult, SafetyBackupFailed } from './types';

export interface RestoreRun {
  readonly ctx: BackupContext;
  /** The archive as the caller named it. */
  readonly fileOrName: string;
  /** Where it is read: in the volume, or `incoming`'s staged copy. */
  readonly path: string;
  readonly wanted: readonly Component[];
  readonly opts: RestoreOptions;
  /** A staged host copy, kept under its name once the pass has verified it. */
  readonly incoming?: StagedArchive;
}

/** The state the steps start from; the journal is written first, so from here on a killed run is rolled back. */
async function prepare(run: RestoreRun): Promise<RestoreState> {
  const { ctx, wanted } = run;
  const pg = wanted.includes('postgres') ? ctx.postgres : undefined;
  const now = nowOf(ctx);
  const ts = formatTimestamp(now).toLowerCase();
  const work = join(ctx.backupDir, RESTORE_WORK);
  const journal: RestoreJournal = {
    archive: run.path,
    safety: (await freeName(ctx, now, encrypts(ctx))).file,
    components: wanted,
    database: pg?.database,
    staging: pg ? `${pg.database}_restore_${ts}` : undefined,
    previous: pg ? `${pg.database}_pre_restore_${ts}` : undefined,
    work,
    saved: [],
    phase: 'prepared',
    step: 'verify',
    startedAt: now.toISOString(),
  };
  await fsp.rm(work, { recursive: true, force: true });
  await writeJournal(ctx.backupDir, journal);
  await fsp.mkdir(work, { recursive: true, mode: 0o700 });
  return {
    ...run,
    hooks: run.opts.hooks ?? noHooks,
    pg,
    store: wanted.includes('minio') && ctx.s3 ? { client: s3Client(ctx.s3), bucket: ctx.s3.bucket } : undefined,
    now,
    work,
    spoolDir: join(ctx.backupDir, WORK_DIR, 'restore'),
    journal,
    current: 'verify',
    archive: run.path,
    components: wanted,
    archived: new Map(),
    kept: new Map(),
    metaChecks: new Map(),
    saved: new Map(),
    confirmed: new Map(),
    entered: false,
    objects: { objectCount: 0, uploaded: 0, removed: 0, unchanged: 0 },
    pending: [],
  };
}

/**
 * The one rollback: the journal's undos (what a killed run's recovery does too), then
 * maintenance left. Returns what to throw: refusals as they are, anything else as RestoreFailed.
 */
async function rollBack(s: RestoreState, e: Error): Promise<Error> {
  if (s.journal.phase === 'committed') return e;
  await Promise.allSettled(s.pending);
  await fsp.rm(s.spoolDir, { recursive: true, force: true });
  const refused = e instanceof ArchiveRejected || e instanceof NotStarted;
  const reason =
    e instanceof SafetyBackupFailed
      ? `restore not started: the safety backup failed (${e.message}); nothing was changed`
      : `restore failed during ${s.current}: ${e.message}`;
  try {
    await resolveJournal(s.ctx, s.journal);
    await clearJournal(s.ctx.backupDir);
  } catch (rb) {
    return new RestoreFailed(
      `${reason}; rolling back also failed (${(rb as Error).message}). The journal is kept in the backups volume; ` +
        `the next restore/recover run retries the rollback`,
      false,
    );
  } finally {
    if (s.entered) await s.hooks.leaveMaintenance().catch(() => undefined);
  }
  if (refused) return e;
  if (e instanceof SafetyBackupFailed) return new RestoreFailed(reason, true);
  return new RestoreFailed(`${reason}; the previous data is back in service`, true);
}

/** Restores the archive up to its commit: the restored data serves, the safety archive is still to be written. */
export async function runRestore(run: RestoreRun): Promise<RestoreResult> {
  const s = await prepare(run);
  try {
    for (const step of STEPS) {
      if (!step.applies(s)) continue;
      await enterStep(s, step.name, step.phase, step.announce !== false);
      await step.run(s);
    }
  } catch (e) {
    throw await rollBack(s, e as Error);
  }
  const manifest = s.manifest as Manifest; // set by the verify step, which every restore has
  return {
    archive: s.archive,
    safety: s.journal.safety,
    safetyPending: true,
    components: s.components,
    rowCounts: manifest.rowCounts,
    objectCount: s.objects.objectCount,
    uploadedObjects: s.objects.uploaded,
    unchangedObjects: s.objects.unchanged,
    removedObjects: s.objects.removed,
  };
}
