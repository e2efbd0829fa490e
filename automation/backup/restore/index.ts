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
import { resolveArchive, withLock } from '../store';
import { checkTarget } from './preflight';
import { recoverInterruptedUnlocked } from './recover';
import { runRestore } from './runner';
import { announceStep } from './state';
import { noHooks, RestoreOptions, RestoreResult } from './types';

export { PROBE_PREFIX } from './preflight';
export { finishPendingRestore, recoverInterrupted, recoverInterruptedUnlocked } from './recover';
export { RESTORE_WORK, RestoreFailed, RestoreRefused } from './types';
export type { RefusalCode, RestoreHooks, RestoreOptions, RestoreResult, RestoreStep } from './types';

export async function restore(ctx: BackupContext, fileOrName: string, opts: RestoreOptions = {}): Promise<RestoreResult> {
  return withLock(ctx.backupDir, 'restore', async () => {
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
      r = await runRestore({ ctx, fileOrName, path: same ? staged.final : path, wanted, opts, incoming: same ? undefined : staged });
    } finally {
      if (staged) await discardStaged(staged);
    }
    if (opts.deferSafety) return r;
    await announceStep({ ctx, opts }, 'safety-archive');
    await recoverInterruptedUnlocked(ctx); // the journal is committed: this writes the safety archive
    return { ...r, safetyPending: false };
  });
}
