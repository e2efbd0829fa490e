// Finishing what a restore left in the journal: before its commit it is undone (each step's
// undo, last step first), after it rolled forward (the safety archive is written). The runner's
// rollback and the recovery of a killed restore are this same code.
import { promises as fsp } from 'fs';
import { join } from 'path';
import { BackupContext, nowOf } from '../context';
import { removeStaleIncoming } from '../incoming';
import { clearJournal, readJournal, RestoreJournal } from '../journal';
import { databaseExists, dropDatabase } from '../postgres';
import { writeSafetyArchive } from '../safety';
import { recordRestore } from '../status';
import { LockBusyError, SAFETY_LOCK, WORK_DIR, withLock } from '../store';
import { STEPS } from './steps';
import { noHooks, RESTORE_WORK, RestoreHooks } from './types';

/** Undoes (or, once committed, completes) whatever a journaled restore did. Safe to run more than once. */
export async function resolveJournal(ctx: BackupContext, j: RestoreJournal): Promise<void> {
  const pg = ctx.postgres;
  if (j.phase === 'committed') {
    await writeSafetyArchive(ctx, j);
    ctx.onProgress?.({ type: 'phase', phase: 'safety', detail: `${j.safety} written; dropping the previous database` });
    if (pg && j.previous && (await databaseExists(pg, j.previous))) await dropDatabase(pg, j.previous);
  } else {
    for (const step of [...STEPS].reverse()) await step.undo?.(ctx, j);
  }
  if (j.work) await fsp.rm(j.work, { recursive: true, force: true });
}

/**
 * Resolves a restore that was interrupted (process killed): before its commit the previous
 * data is put back; after it, the safety archive is completed. Returns the journal it
 * resolved, or undefined when there was nothing to do.
 */
export async function recoverInterruptedUnlocked(ctx: BackupContext, hooks: RestoreHooks = noHooks): Promise<RestoreJournal | undefined> {
  const j = await readJournal(ctx.backupDir);
  await fsp.rm(join(ctx.backupDir, WORK_DIR), { recursive: true, force: true });
  for (const f of await fsp.readdir(ctx.backupDir).catch(() => [] as string[])) {
    if (f.endsWith('.partial')) await fsp.rm(join(ctx.backupDir, f), { force: true });
  }
  await removeStaleIncoming(ctx.backupDir, nowOf(ctx));
  if (!j) {
    await fsp.rm(join(ctx.backupDir, RESTORE_WORK), { recursive: true, force: true });
    return undefined;
  }
  ctx.onProgress?.({ type: 'phase', phase: 'recover', detail: `resolving ${j.phase === 'committed' ? 'the safety archive of' : 'an interrupted'} restore of ${j.archive} (phase ${j.phase})` });
  await resolveJournal(ctx, j);
  await clearJournal(ctx.backupDir);
  if (j.phase !== 'committed') {
    // A restore killed (or whose own rollback failed) before its commit: it is counted now,
    // once, as it is rolled back. A committed one was counted by restore() as ok.
    await recordRestore(ctx.backupDir, 'rolled_back').catch(() => undefined);
    await hooks.leaveMaintenance();
  }
  return j;
}

export async function recoverInterrupted(ctx: BackupContext, hooks: RestoreHooks = noHooks): Promise<RestoreJournal | undefined> {
  return withLock(ctx.backupDir, 'recover', () => recoverInterruptedUnlocked(ctx, hooks));
}

/**
 * Writes the safety archive of a restore that returned early (deferSafety). Does nothing
 * when no restore is pending or when the volume is busy (returns false then; try later).
 */
export async function finishPendingRestore(ctx: BackupContext): Promise<RestoreJournal | undefined | false> {
  const j = await readJournal(ctx.backupDir);
  if (!j || j.phase !== 'committed') return undefined;
  try {
    return await withLock(
      ctx.backupDir,
      SAFETY_LOCK,
      async () => {
        const again = await readJournal(ctx.backupDir);
        return again?.phase === 'committed' ? recoverInterruptedUnlocked(ctx) : undefined;
      },
      0,
    );
  } catch (e) {
    if (e instanceof LockBusyError) return false;
    throw e;
  }
}
