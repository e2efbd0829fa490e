// The two outcomes of backup/restore that scripts must tell apart from a plain failure:
// the archive was refused before anything changed, and a restore failed but put the
// previous data back. Both keep the imctl convention of one class per exit code.
import { ExitCode, ImctlError } from '../errors';

export const BACKUP_EXIT = {
  /** The archive failed verification (corrupt, truncated, wrong key, other stack, missing); nothing was changed. */
  ARCHIVE_REFUSED: ExitCode.ARCHIVE_REFUSED,
  /** The restore failed after it started and was rolled back: the previous data is serving. */
  RESTORE_ROLLED_BACK: ExitCode.RESTORE_ROLLED_BACK,
} as const;

export const BACKUP_EXIT_CODE_TABLE: ReadonlyArray<readonly [number, string]> = [
  [BACKUP_EXIT.ARCHIVE_REFUSED, 'backup archive refused by verification (corrupt, truncated, wrong key, other stack); nothing changed'],
  [BACKUP_EXIT.RESTORE_ROLLED_BACK, 'restore failed and was rolled back; the previous data is serving'],
];

export class ArchiveRefusedError extends ImctlError {
  override readonly exitCode = BACKUP_EXIT.ARCHIVE_REFUSED;
}

export class RestoreRolledBackError extends ImctlError {
  override readonly exitCode = BACKUP_EXIT.RESTORE_ROLLED_BACK;
}

export function exitCodeHelp(): string {
  return ['', 'Backup exit codes (besides the common ones in `imctl --help`):', ...BACKUP_EXIT_CODE_TABLE.map(([c, t]) => `  ${String(c).padStart(3)}  ${t}`)].join('\n');
}
