// Turns whatever was thrown into an ImctlError with the right exit code and one line of
// text. Automation API errors are recognised by class; Docker connection failures by code.
import { CommanderError } from 'commander';
import { dockerFailure } from './docker/dockerErrors';
import { InternalError, InterruptedError, ImctlError, LockConflictError, OperationFailedError, PulumiMissingError, StackNotFoundError, UsageError } from './errors';
import { INSTALL_HINT } from './pulumi/hints';
import { isPulumiMissing, pulumiErrorLine } from './pulumi/pulumiErrors';

export interface MapContext {
  stack?: string;
  /** The operation was aborted by Ctrl-C. */
  aborted?: boolean;
  /** What was being done, e.g. "up". */
  operation?: string;
  /** Error diagnostics the engine reported during the operation. */
  diagnostics?: readonly string[];
}


export function mapError(e: unknown, ctx: MapContext = {}): ImctlError {
  if (e instanceof ImctlError) return e;
  // Loaded on demand: the Automation API takes about a second to load, and --help needs none of it.
  const automation = require('@pulumi/pulumi/automation') as typeof import('@pulumi/pulumi/automation');
  if (ctx.aborted) return new InterruptedError(`${ctx.operation ?? 'operation'} interrupted`, { cause: e });
  if (e instanceof CommanderError) return new UsageError(e.message.replace(/^error:\s*/, ''), { cause: e });
  if (e instanceof automation.ConcurrentUpdateError) {
    const holder = lockHolder(e);
    return new LockConflictError(`stack ${ctx.stack ?? ''} is locked by another update${holder ? ` (lock ${holder})` : ''}`.replace('  ', ' '), {
      hint: 'wait for it to finish; if no other imctl or pulumi is running, clear the stale lock with `imctl unlock`',
      cause: e,
    });
  }
  if (e instanceof automation.StackNotFoundError) {
    return new StackNotFoundError(`stack ${ctx.stack ?? ''} does not exist in this backend`.replace('  ', ' '), {
      hint: `create it with \`imctl up --stack ${ctx.stack ?? '<name>'}\`, or check PULUMI_BACKEND_URL`,
      cause: e,
    });
  }
  if (isPulumiMissing(e)) return new PulumiMissingError('the Pulumi CLI is not installed (no `pulumi` on PATH)', { hint: INSTALL_HINT, cause: e });
  if (e instanceof automation.CommandError) {
    const reason = ctx.diagnostics?.[0] ?? pulumiErrorLine(e) ?? 'see the output above';
    return new OperationFailedError(`${ctx.operation ?? 'pulumi'} failed: ${reason}`, { cause: e });
  }
  const code = (e as { code?: unknown })?.code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code) && (e as { address?: unknown; syscall?: string }).syscall === 'connect') {
    const mapped = dockerFailure(e, 'docker');
    if (mapped instanceof ImctlError) return mapped;
  }
  if (typeof (e as { statusCode?: unknown })?.statusCode === 'number') {
    const mapped = dockerFailure(e, 'docker');
    if (mapped instanceof ImctlError) return mapped;
  }
  const message = e instanceof Error ? e.message.split('\n')[0] : String(e);
  return new InternalError(`unexpected error: ${message}`, { hint: 'rerun with --verbose for details, and report it', cause: e });
}

/** "created by root@host (pid 42) at 2025-01-01T00:00:00Z" from the file backend's lock message. */
function lockHolder(e: unknown): string | undefined {
  const stderr = (e as { commandResult?: { stderr?: string } }).commandResult?.stderr ?? '';
  const m = /(created by \S+ \(pid \d+\) at \S+)/.exec(stderr);
  return m?.[1];
}

/** The lines printed for an error: the message, its hint, and with --verbose the cause chain. */
export function describeError(err: ImctlError, verbose: boolean): string[] {
  const lines = [err.message];
  if (err.hint) lines.push(`hint: ${err.hint}`);
  if (verbose) {
    let cause: unknown = err.cause;
    let depth = 0;
    while (cause !== undefined && depth < 5) {
      const text = cause instanceof Error ? (cause.stack ?? `${cause.name}: ${cause.message}`) : String(cause);
      lines.push(`caused by: ${text}`);
      cause = cause instanceof Error ? cause.cause : undefined;
      depth++;
    }
  }
  return lines;
}
