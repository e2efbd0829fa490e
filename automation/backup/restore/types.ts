// What callers of the restore see: its options and hooks, its result, and the errors that tell
// "refused, nothing changed" from "failed and rolled back".
import { Component } from '../manifest';
import type { RestoreStep } from '../journal';

export type { RestoreStep } from '../journal';

/** Supplied by the caller (imctl: nginx maintenance page + stopping/starting the backends). */
export interface RestoreHooks {
  enterMaintenance(): Promise<void>;
  leaveMaintenance(): Promise<void>;
}

export interface RestoreOptions {
  readonly postgresOnly?: boolean;
  readonly minioOnly?: boolean;
  readonly hooks?: RestoreHooks;
  /** Called as each step starts; fault-injection point for tests, progress for the CLI. */
  readonly onStep?: (step: RestoreStep) => Promise<void> | void;
  /** Called inside each object upload task, before the upload; fault-injection point for tests. */
  readonly beforeUpload?: (key: string) => Promise<void> | void;
  /**
   * Return as soon as the restored data is in service and leave the safety archive to
   * finishPendingRestore() (the job container's daemon runs it within seconds). Until it is
   * written, the previous database and the saved objects are kept and the journal says so.
   */
  readonly deferSafety?: boolean;
}

export interface RestoreResult {
  readonly archive: string;
  /** The archive of the data as it was before the restore. */
  readonly safety: string;
  /** True when the safety archive is still being written (deferSafety). */
  readonly safetyPending: boolean;
  readonly components: readonly Component[];
  readonly rowCounts: Readonly<Record<string, number>>;
  readonly objectCount: number;
  readonly uploadedObjects: number;
  readonly unchangedObjects: number;
  readonly removedObjects: number;
}

export class RestoreFailed extends Error {
  constructor(message: string, readonly rolledBack: boolean) {
    super(message);
    this.name = 'RestoreFailed';
  }
}

/** Why the target cannot take the archive's objects; stable for callers and tests. */
export type RefusalCode = 'store-unreachable' | 'bucket-missing' | 'bucket-denied';

/** Refused by the pre-flight, before the restore touched anything (no journal, no staging, no maintenance). */
export class RestoreRefused extends Error {
  constructor(readonly code: RefusalCode, message: string) {
    super(message);
    this.name = 'RestoreRefused';
  }
}

/** The copy of the objects about to change failed: nothing live was touched yet. */
export class SafetyBackupFailed extends Error {}
/** Refused before anything was started (wrong options for this archive): reported as is. */
export class NotStarted extends Error {}

/** The restore's work folder in the backups volume: before.json and the saved objects. */
export const RESTORE_WORK = '.restore';

export const noHooks: RestoreHooks = { enterMaintenance: async () => undefined, leaveMaintenance: async () => undefined };
