// What the job says on stdout with --json: one JSON event per line, the last one a result or
// an error; and what each command's result holds. imctl's job client parses exactly these.
import type { Component } from './env';
import type { FailureReason, RestoreOutcome } from './metrics';

export type ProgressEvent =
  | { readonly type: 'phase'; readonly phase: string; readonly detail?: string }
  | { readonly type: 'progress'; readonly phase: string; readonly bytes: number; readonly objects: number };

/** Asked of the caller with `--hooks stdio`; the job waits for one HookReply line on stdin. */
export type HookName = 'enterMaintenance' | 'leaveMaintenance';

export interface HookReply {
  readonly ok: boolean;
  readonly error?: string;
}

/** Why an archive was refused (the error event's code, exit JOB_EXIT.ARCHIVE_REFUSED). */
export type RejectionCode =
  | 'format-version' | 'wrong-stack' | 'checksum' | 'missing-entry' | 'unexpected-entry' | 'malformed' | 'dump-invalid' | 'missing-file'
  | 'truncated' | 'damaged-header' | 'wrong-key' | 'tampered' | 'unencrypted' | 'unauthenticated' | 'name-taken';

export type JobEvent =
  | ProgressEvent
  | { readonly type: 'result'; readonly data: unknown }
  /** code: a RejectionCode for a refused archive, else the error's name (e.g. RestoreFailed). */
  | { readonly type: 'error'; readonly message: string; readonly code?: string }
  | { readonly type: 'hook'; readonly name: HookName }
  | { readonly type: 'log'; readonly message: string };

export type RowCounts = Readonly<Record<string, number>>;

// Results are plain JSON as the client parses it, so their arrays are ordinary (mutable) ones.

export interface BackupJobResult {
  readonly file: string;
  readonly bytes: number;
  readonly durationMs: number;
  readonly objectCount: number;
  readonly rowCounts: RowCounts;
  readonly remote?: { readonly ok: boolean; readonly key?: string; readonly reason?: string };
}

export interface VerifyJobResult {
  readonly file: string;
  readonly ok: true;
  readonly createdAt: string;
  readonly components: Component[];
  readonly entries: number;
  readonly objectCount: number;
  readonly rowCounts: RowCounts;
}

export interface RestoreJobResult {
  readonly archive: string;
  /** The archive of the data as it was before the restore. */
  readonly safety: string;
  /** True when the safety archive is still being written (--defer-safety). */
  readonly safetyPending: boolean;
  readonly components: Component[];
  readonly rowCounts: RowCounts;
  readonly objectCount: number;
  readonly uploadedObjects: number;
  readonly unchangedObjects: number;
  readonly removedObjects: number;
}

/** A restore's journal as status and recover report it. */
export interface RestoreProgress {
  readonly archive: string;
  readonly safety?: string;
  readonly phase: string;
  readonly startedAt: string;
}

export interface RecoverJobResult {
  /** The interrupted restore that was settled, or null when there was none. */
  readonly recovered: (RestoreProgress & { readonly components: readonly Component[] }) | null;
}

export interface ListedArchive {
  readonly where: 'local' | 'remote';
  readonly file: string;
  readonly bytes: number;
  readonly createdAt: string;
  readonly encrypted: boolean;
  readonly components?: Component[];
  readonly kind?: string;
  readonly lastVerified?: { readonly at: string; readonly ok: boolean; readonly reason?: string };
}

export type ListJobResult = ListedArchive[];

export interface PruneJobResult {
  readonly kept: string[];
  readonly pruned: string[];
  readonly dryRun: boolean;
}

export interface JobRunRecord {
  readonly at: string;
  readonly kind?: string;
  readonly file?: string;
  readonly bytes?: number;
  /** Objects in the archive (successes written since the metrics). */
  readonly objects?: number;
  readonly durationMs?: number;
  readonly reason?: string;
  /** Where a failure stopped (failures since the metrics). */
  readonly stage?: FailureReason;
}

/** Why a restore put the site in maintenance (maintenance.json in the backups volume). */
export interface MaintenanceNote {
  readonly since: string;
  readonly reason: string;
  readonly entered?: boolean;
  readonly problem?: { readonly at: string; readonly message: string };
}

export interface StatusJobResult {
  readonly lastSuccess?: JobRunRecord;
  readonly lastFailure?: JobRunRecord;
  readonly lastRemote?: { readonly at: string; readonly ok: boolean; readonly file: string; readonly reason?: string };
  readonly nextRun?: string;
  readonly schedule?: string;
  readonly timezone?: string;
  /** When the job daemon first started on this volume (the metrics' last success until there is one). */
  readonly firstStartedAt?: string;
  /** Failed runs by stage and restores by outcome, since the volume was created (the metrics' counters). */
  readonly failures?: Partial<Record<FailureReason, number>>;
  readonly restores?: Partial<Record<RestoreOutcome, number>>;
  /** A restore's journal: in progress, interrupted, or (committed) its safety archive still to be written. */
  readonly restoring?: RestoreProgress;
  readonly maintenance?: MaintenanceNote;
  readonly health: { readonly ok: boolean; readonly reason: string };
}

/** The result of each command the job runs on demand. */
export interface JobResults {
  backup: BackupJobResult;
  verify: VerifyJobResult;
  restore: RestoreJobResult;
  recover: RecoverJobResult;
  list: ListJobResult;
  prune: PruneJobResult;
  status: StatusJobResult;
}

export type JobCommand = keyof JobResults;
