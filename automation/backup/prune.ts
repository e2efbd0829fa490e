// Applies the retention plan to the archives of one stack in the backups volume.
import { BackupContext, nowOf } from './context';
import { planRetention, RetentionPolicy } from './retention';
import { LocalArchive, listLocal, removeArchive, withLock } from './store';

export interface PruneResult {
  readonly kept: readonly string[];
  readonly pruned: readonly string[];
  readonly dryRun: boolean;
}

export async function pruneUnlocked(ctx: BackupContext, policy: RetentionPolicy, dryRun = false): Promise<PruneResult> {
  const archives = await listLocal(ctx.backupDir, ctx.stack);
  const plan = planRetention<LocalArchive>(archives, nowOf(ctx), policy);
  if (!dryRun) for (const a of plan.prune) await removeArchive(a.path);
  return { kept: plan.keep.map((a) => a.file), pruned: plan.prune.map((a) => a.file), dryRun };
}

export async function prune(ctx: BackupContext, policy: RetentionPolicy, dryRun = false): Promise<PruneResult> {
  return withLock(ctx.backupDir, 'prune', () => pruneUnlocked(ctx, policy, dryRun));
}
