// Restore that never half-applies:
//   pre-flight (the target can take the archive's objects) -> one pass over the archive
//   authenticates every byte, checks every checksum and, meanwhile, pg_restores the dump into
//   <db>_restore_<ts> (never the live database) -> objects that will be overwritten or removed are
//   saved -> maintenance on -> atomic rename swap (the live database is kept, intact, as
//   <db>_pre_restore_<ts>) -> the bucket made exactly equal to the archive (objects already equal
//   are left alone) and checked -> commit -> maintenance off -> the safety archive written from
//   the kept database and the saved objects.
// The steps are steps.ts, run by runner.ts. Any failure before the commit rolls back (swap
// undone, saved objects put back, new ones removed); a killed process is rolled back, or after
// the commit rolled forward, by recoverInterrupted() on the next run (recover.ts). Nothing live
// changes before the whole archive has authenticated and the objects about to change have been saved.
import { BackupContext } from '../context';
import { claimName, discardStaged, stagedArchive } from '../incoming';
import { Component } from '../manifest';
import type { RestoreOutcome } from '../contract';
import { readJournal } from '../journal';
import { recordRestore } from '../status';
import { resolveArchive, withLock } from '../store';
import { checkTarget } from './preflight';
import { recoverInterruptedUnlocked } from './recover';
import { runRestore } from './runner';
import { announceStep } from './state';
import { noHooks, RestoreFailed, RestoreOptions, RestoreResult } from './types';

export { PROBE_PREFIX } from './preflight';
export { finishPendingRestore, recoverInterrupted, recoverInterruptedUnlocked } from './recover';
export { RESTORE_WORK, RestoreFailed, RestoreRefused } from './types';
export type { RefusalCode, RestoreHooks, RestoreOptions, RestoreResult, RestoreStep } from './types';

/**
 * How a restore that threw before its commit ended, for the restores counter; undefined when
 * its rollback failed and the journal is kept: the recovery that rolls it back later counts it
 * (recover.ts).
 */
function outcomeOf(e: unknown): RestoreOutcome | undefined {
  if (e instanceof RestoreFailed) return e.rolledBack ? 'rolled_back' : undefined;
  return 'refused';
}

/** Counted in status.json for the daemon's metrics; a failed count never changes the restore's own result. */
async function count(ctx: BackupContext, outcome: RestoreOutcome | undefined): Promise<void> {
  if (outcome) await recordRestore(ctx.backupDir, outcome).catch(() => undefined);
}

export async function restore(ctx: BackupContext, fileOrName: string, opts: RestoreOptions = {}): Promise<RestoreResult> {
  let counted = false;
  const committed = async (): Promise<void> => {
    counted = true;
    await count(ctx, 'ok');
  };
  try {
    return await withLock(ctx.backupDir, 'restore', () => restoreLocked(ctx, fileOrName, opts, committed));
  } catch (e) {
    if (!counted) await count(ctx, outcomeOf(e));
    throw e;
  }
}

async function restoreLocked(ctx: BackupContext, fileOrName: string, opts: RestoreOptions, committed: () => Promise<void>): Promise<RestoreResult> {
  const hooks = opts.hooks ?? noHooks;
  if (opts.postgresOnly && opts.minioOnly) throw new Error('--postgres-only and --minio-only exclude each other');
  const path = await resolveArchive(ctx.backupDir, fileOrName);
  const wanted: Component[] = opts.postgresOnly ? ['postgres'] : opts.minioOnly ? ['minio'] : ['postgres', 'minio'];
  // A host copy is restored from where it landed and kept under its name once the pass has
  // verified it; an archive of that name with the same bytes is simply used.
  const staged = stagedArchive(ctx.backupDir, path);
  let r: RestoreResult;
  try {
    // Before anything else, an interrupted restore's recovery included: a refused restore changes nothing.
    await checkTarget(ctx, path, wanted);
    await recoverInterruptedUnlocked(ctx, hooks);
    await announceStep({ ctx, opts }, 'verify');
    const same = staged && (await claimName(staged)) === 'same';
    r = await runRestore({ ctx, fileOrName, path: same ? staged.final : path, wanted, opts, incoming: same ? undefined : staged }).catch(async (e: unknown) => {
      // The runner rethrows a failure after its commit as it is (leaving maintenance, say): the
      // restored data is in service then. Its journal is this restore's own (written at its start).
      if (!(e instanceof RestoreFailed) && (await readJournal(ctx.backupDir).catch(() => undefined))?.phase === 'committed') await committed();
      throw e;
    });
  } finally {
    if (staged) await discardStaged(staged);
  }
  // Counted here, before the safety archive: the restored data is in service whatever follows.
  await committed();
  if (opts.deferSafety) return r;
  await announceStep({ ctx, opts }, 'safety-archive');
  await recoverInterruptedUnlocked(ctx); // the journal is committed: this writes the safety archive
  return { ...r, safetyPending: false };
}
