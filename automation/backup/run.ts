// One complete backup run as the scheduler (and `imctl backup`) performs it:
// backup -> status -> off-site copy -> prune. Pruning happens only after a successful backup,
// so a failing job never deletes the archives it is failing to replace.
import { backupUnlocked, BackupResult } from './backup';
import { BackupContext, nowOf } from './context';
import type { FailureReason } from './contract';
import { stageOf } from './failureStage';
import { BackupKind, Component } from './manifest';
import { pruneUnlocked, PruneResult } from './prune';
import { uploadToRemote } from './remote';
import { RetentionPolicy } from './retention';
import { recoverInterruptedUnlocked } from './restore';
import { recordFailure, updateStatus } from './status';
import { withLock } from './store';

export interface RunOptions {
  readonly components: readonly Component[];
  readonly kind: BackupKind;
  readonly retention?: RetentionPolicy;
  /** Upload to ctx.remote (the job always does when a remote is configured). */
  readonly remote?: boolean;
}

export interface RunResult {
  readonly backup: BackupResult;
  readonly remote?: { readonly ok: boolean; readonly key?: string; readonly reason?: string };
  readonly prune?: PruneResult;
}

export async function runBackup(ctx: BackupContext, opts: RunOptions): Promise<RunResult> {
  return withLock(ctx.backupDir, `${opts.kind} backup`, async () => {
    const at = nowOf(ctx).toISOString();
    let result: BackupResult;
    let stage: FailureReason = 'recover';
    try {
      await recoverInterruptedUnlocked(ctx);
      stage = 'archive';
      result = await backupUnlocked(ctx, { components: opts.components, kind: opts.kind });
    } catch (e) {
      await recordFailure(ctx.backupDir, { at, kind: opts.kind, reason: (e as Error).message, stage: stageOf(e, stage) });
      throw e;
    }
    await updateStatus(ctx.backupDir, {
      lastSuccess: { at, kind: opts.kind, file: result.file, bytes: result.bytes, objects: result.manifest.objectCount, durationMs: result.durationMs },
    });
    let remote: RunResult['remote'];
    if (opts.remote) {
      if (!ctx.remote) {
        remote = { ok: false, reason: 'no remote target configured' };
      } else {
        try {
          ctx.onProgress?.({ type: 'phase', phase: 'remote', detail: `uploading to ${ctx.remote.endPoint}/${ctx.remote.bucket}` });
          remote = { ok: true, key: (await uploadToRemote(ctx.remote, result.path)).key };
        } catch (e) {
          remote = { ok: false, reason: (e as Error).message };
        }
      }
      await updateStatus(ctx.backupDir, { lastRemote: { at: nowOf(ctx).toISOString(), ok: remote.ok, file: result.file, reason: remote.reason } });
    }
    const prune = opts.retention ? await pruneUnlocked(ctx, opts.retention) : undefined;
    return { backup: result, remote, prune };
  });
}
