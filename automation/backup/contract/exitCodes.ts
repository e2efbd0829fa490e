// The job's exit codes (`main.js <command>`), which imctl maps to its own documented ones.
export const JOB_EXIT = {
  OK: 0,
  /** Any other failure; the last event is {"type":"error"}. */
  FAILED: 1,
  /** The archive was refused by verification (ArchiveRejected); nothing was changed. */
  ARCHIVE_REFUSED: 3,
  /** The restore failed after it started and was rolled back (RestoreFailed). */
  RESTORE_ROLLED_BACK: 4,
} as const;

export type JobExitCode = (typeof JOB_EXIT)[keyof typeof JOB_EXIT];
