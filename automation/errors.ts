// The typed error hierarchy of imctl. Every failure a user can cause or fix maps to one
// class with a documented exit code, so scripts can branch on `$?` and humans get one line.

/** Exit codes, documented in `imctl --help` and docs/operations.md. */
export const ExitCode = {
  OK: 0,
  /** health: degraded; doctor: problems found */
  DEGRADED: 1,
  /** health: the stack is down */
  DOWN: 2,
  USAGE: 3,
  CONFIG: 4,
  LOCKED: 5,
  STACK_NOT_FOUND: 6,
  PULUMI_MISSING: 7,
  DOCKER_UNREACHABLE: 8,
  /** preview --expect-no-changes found changes */
  CHANGES_PRESENT: 9,
  OPERATION_FAILED: 10,
  NOT_CONFIRMED: 11,
  /** backup archive refused by verification; nothing changed */
  ARCHIVE_REFUSED: 12,
  /** restore failed and was rolled back; previous data serving */
  RESTORE_ROLLED_BACK: 13,
  INTERNAL: 70,
  INTERRUPTED: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** The ExitCode key of a code ("LOCKED" for 5): the stable `error.code` of a --json failure. */
export function exitCodeName(code: number): string {
  const entry = Object.entries(ExitCode).find(([, value]) => value === code);
  return entry ? entry[0] : 'INTERNAL';
}

/** Rows of the exit-code table shown in help and in the runbook. */
export const EXIT_CODE_TABLE: ReadonlyArray<readonly [number, string]> = [
  [ExitCode.OK, 'success; health: healthy; preview: no changes'],
  [ExitCode.DEGRADED, 'health: degraded (some checks failed); doctor: problems found'],
  [ExitCode.DOWN, 'health: down (nginx, backend or postgres unavailable)'],
  [ExitCode.USAGE, 'usage error: bad flag or argument, unknown service'],
  [ExitCode.CONFIG, 'configuration error: missing passphrase, unreadable passphrase file, bad config'],
  [ExitCode.LOCKED, 'the stack is locked by another update (see `imctl unlock`)'],
  [ExitCode.STACK_NOT_FOUND, 'stack not found (or not deployed: no containers)'],
  [ExitCode.PULUMI_MISSING, 'Pulumi CLI not installed'],
  [ExitCode.DOCKER_UNREACHABLE, 'Docker engine unreachable'],
  [ExitCode.CHANGES_PRESENT, 'preview --expect-no-changes: changes are pending'],
  [ExitCode.OPERATION_FAILED, 'an operation failed (deployment error, container not healthy in time)'],
  [ExitCode.NOT_CONFIRMED, 'confirmation declined or impossible (no TTY; pass --yes)'],
  [ExitCode.ARCHIVE_REFUSED, 'backup archive refused by verification (corrupt, truncated, wrong key, other stack); nothing changed'],
  [ExitCode.RESTORE_ROLLED_BACK, 'restore failed and was rolled back; the previous data is serving'],
  [ExitCode.INTERNAL, 'internal error (a bug: rerun with --verbose and report it)'],
  [ExitCode.INTERRUPTED, 'interrupted (Ctrl-C)'],
];

export interface ImctlErrorOptions {
  /** What the user can do about it; printed after the message. */
  hint?: string;
  cause?: unknown;
}

/** Base class: a failure with a one-line message and an exit code. */
export class ImctlError extends Error {
  readonly exitCode: number = ExitCode.INTERNAL;
  readonly hint?: string;
  constructor(message: string, options: ImctlErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
  }
}

export class UsageError extends ImctlError {
  override readonly exitCode = ExitCode.USAGE;
}
export class ConfigError extends ImctlError {
  override readonly exitCode = ExitCode.CONFIG;
}
export class PassphraseMissingError extends ConfigError {}
export class LockConflictError extends ImctlError {
  override readonly exitCode = ExitCode.LOCKED;
}
export class StackNotFoundError extends ImctlError {
  override readonly exitCode = ExitCode.STACK_NOT_FOUND;
}
export class PulumiMissingError extends ImctlError {
  override readonly exitCode = ExitCode.PULUMI_MISSING;
}
export class DockerUnreachableError extends ImctlError {
  override readonly exitCode = ExitCode.DOCKER_UNREACHABLE;
}
export class ChangesPresentError extends ImctlError {
  override readonly exitCode = ExitCode.CHANGES_PRESENT;
}
export class OperationFailedError extends ImctlError {
  override readonly exitCode = ExitCode.OPERATION_FAILED;
}
export class NotConfirmedError extends ImctlError {
  override readonly exitCode = ExitCode.NOT_CONFIRMED;
}
export class InterruptedError extends ImctlError {
  override readonly exitCode = ExitCode.INTERRUPTED;
}
/** Not a user error: printed with a hint to rerun with --verbose. */
export class InternalError extends ImctlError {
  override readonly exitCode = ExitCode.INTERNAL;
}
