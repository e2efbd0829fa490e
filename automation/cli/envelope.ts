// The one shape of every --json result, success or failure, so a script parses one thing:
// the last line of stdout. Lines before it are the command's events (engine events, the
// backup job's events, log records); the envelope alone has `command` and `ok`.
import { exitCodeName, type ImctlError } from '../errors';
import type { Output } from './output';

export interface ResultEnvelope<R = unknown> {
  /** The command path as typed, e.g. "backups list". */
  command: string;
  stack: string;
  /** exitCode === 0: scripts test one field instead of knowing which results mean trouble. */
  ok: boolean;
  exitCode: number;
  result: R;
}

export interface ErrorEnvelope {
  /** null when the command line itself could not be parsed. */
  command: string | null;
  stack: string | null;
  ok: false;
  exitCode: number;
  error: {
    /** Stable name of the exit code (the ExitCode key): "LOCKED", "ARCHIVE_REFUSED", ... */
    code: string;
    message: string;
    hint?: string;
  };
}

export type Envelope<R = unknown> = ResultEnvelope<R> | ErrorEnvelope;

/** A result the user asked to see unredacted (`outputs --show-secrets`). */
export class Revealed<T> {
  constructor(readonly value: T) {}
}

export function resultEnvelope<R>(command: string, stack: string, exitCode: number, result: R): ResultEnvelope<R> {
  return { command, stack, ok: exitCode === 0, exitCode, result };
}

export function errorEnvelope(command: string | null, stack: string | null, err: Pick<ImctlError, 'exitCode' | 'message' | 'hint'>): ErrorEnvelope {
  const error: ErrorEnvelope['error'] = { code: exitCodeName(err.exitCode), message: err.message };
  if (err.hint) error.hint = err.hint;
  return { command, stack, ok: false, exitCode: err.exitCode, error };
}

/** Writes the envelope of a result as the last line of stdout; a Revealed result skips the redactor. */
export function exportResult(out: Output, command: string, stack: string, exitCode: number, result: unknown): void {
  const reveal = result instanceof Revealed;
  out.data(resultEnvelope(command, stack, exitCode, reveal ? result.value : (result ?? null)), reveal);
}

/** Writes the envelope of a failure as the last line of stdout. */
export function exportError(out: Output, command: string | null, stack: string | null, err: Pick<ImctlError, 'exitCode' | 'message' | 'hint'>): void {
  out.data(errorEnvelope(command, stack, err));
}
