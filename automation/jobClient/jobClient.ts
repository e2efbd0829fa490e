// Runs the ops code inside the stack's backup job container and turns its NDJSON events
// into imctl output: human progress lines on stderr, or the events passed through as NDJSON
// with --json. The container's exit codes 3 (archive refused) and 4 (restore rolled back)
// become imctl's documented exit codes; anything else is a failed operation.
import { ACCESS_KEY_ENV, JOB_EXIT, SECRET_ENV, type JobCommand, type JobEvent, type JobResults } from '../backup/contract';
import { formatBytes } from '../cli/duration';
import type { Ctx } from '../context';
import type { ContainerSummary } from '../docker/dockerOps';
import { OperationFailedError } from '../errors';
import type { ContainerExec } from './containerExec';
import { ArchiveRefusedError, RestoreRolledBackError } from './errors';
import { execJob, jobCommandLine, type JobArgs } from './protocol';

/**
 * Values the redactor masks: the job's secrets (the engine's own list, which it reads from files)
 * plus the access keys, which are not secret enough to need a file but stay out of output.
 */
const REDACTED_ENV: readonly string[] = [...SECRET_ENV, ...ACCESS_KEY_ENV];

export type HookHandler = (name: string) => Promise<void>;

export interface JobRunOptions {
  /** Answers restore hooks (enterMaintenance/leaveMaintenance); attaches stdin. */
  onHook?: HookHandler;
  /** Pass events through as NDJSON (except the result, which the caller prints). */
  passThrough?: boolean;
  /** Extra environment of this one exec (engine switches that must not live in the container's env). */
  env?: Record<string, string>;
}

/** The stack's backup job container, running; anything else is an error that says what to do. */
export async function backupContainer(ctx: Ctx): Promise<ContainerSummary> {
  const all = await ctx.containers();
  const job = all.find((c) => c.service === 'backup');
  if (!job) {
    throw new OperationFailedError(`stack ${ctx.stack} has no backup job container (com.imstack.service=backup)`, { hint: 'deploy it with `imctl up`; the DataTier creates imstack-<stack>-backup' });
  }
  if (job.state !== 'running') {
    throw new OperationFailedError(`the backup job container ${job.name} is ${job.state}`, { hint: 'start it with `imctl start backup`' });
  }
  // Whatever the engine prints passes through the redactor, which now knows these values.
  const env = await ctx.deps.docker.containerEnv(job.id);
  for (const k of REDACTED_ENV) ctx.redactor.add(env[k]);
  for (const k of (env.BACKUP_PREVIOUS_KEYS ?? '').split(',')) ctx.redactor.add(k.trim());
  return job;
}

function humanEvent(ctx: Ctx, e: JobEvent, last: { line?: string }): void {
  if (e.type === 'progress') {
    // The engine repeats the final count when a phase ends; one line is enough.
    const line = `  ${e.phase}: ${formatBytes(e.bytes)}, ${e.objects} object${e.objects === 1 ? '' : 's'}`;
    if (line !== last.line) ctx.out.progress(line);
    last.line = line;
  } else if (e.type === 'phase') ctx.out.progress(`${e.phase}${e.detail ? `: ${e.detail}` : ''}`);
  else if (e.type === 'log') ctx.out.progress(e.message);
}

/** Runs `main.js --json <args>` in the job container; resolves with the result's data. */
export async function runJob<C extends JobCommand>(ctx: Ctx, exec: ContainerExec, job: ContainerSummary, args: JobArgs<C>, opts: JobRunOptions = {}): Promise<JobResults[C]> {
  // Hooks are answered in order; the engine waits for each reply before it goes on.
  let chain: Promise<void> = Promise.resolve();
  const last: { line?: string } = {};
  ctx.out.debug(`exec in ${job.name}: ${jobCommandLine(args).join(' ')}`);
  const { code, result, error } = await execJob(exec, job.id, args, {
    stdin: Boolean(opts.onHook),
    env: opts.env,
    onOther: (line) => ctx.out.debug(`  [backup] ${line.text}`),
    onEvent: (e, send) => {
      if (e.type === 'hook') {
        const handler = opts.onHook;
        chain = chain.then(async () => {
          if (!handler) return send(JSON.stringify({ ok: false, error: `no handler for ${e.name}` }));
          if (opts.passThrough) ctx.out.data(e);
          try {
            await handler(e.name);
            send(JSON.stringify({ ok: true }));
          } catch (err) {
            const msg = (err instanceof Error ? err.message : String(err)).split('\n')[0];
            ctx.out.warn(`${e.name} failed: ${msg}`);
            send(JSON.stringify({ ok: false, error: ctx.redactor.redact(msg) }));
          }
        });
      } else if (opts.passThrough) ctx.out.data(e);
      else humanEvent(ctx, e, last);
    },
  });
  await chain;
  const what = `backup job (${args[0]})`;
  const message = ctx.redactor.redact(error?.message ?? `${what} exited with ${code} without a result`);
  if (code === JOB_EXIT.ARCHIVE_REFUSED) throw new ArchiveRefusedError(`archive refused: ${message}`, { hint: 'nothing was changed; pick another archive (`imctl backups list`)' });
  if (code === JOB_EXIT.RESTORE_ROLLED_BACK) throw new RestoreRolledBackError(`restore failed and was rolled back: ${message}`, { hint: 'the previous data is serving again; see `imctl logs backup` and `imctl backups status`' });
  if (code !== JOB_EXIT.OK || error || !result) throw new OperationFailedError(`${what} failed: ${message}`, { hint: failureHint(args[0], code, job.name, Boolean(error)) });
  return result.data;
}

/**
 * A restore whose job died without an answer (killed, OOM, engine restart) is not lost: the job
 * daemon settles it when it comes back (rolls back, or forward after the commit) and lifts the
 * maintenance page, so the operator is told to watch, not to act.
 */
function failureHint(command: string | undefined, code: number, container: string, answered: boolean): string | undefined {
  if (code === 0) return undefined;
  if (command === 'restore' && !answered) {
    return `the job in ${container} stopped mid-restore (exit ${code}); it settles the restore itself when it runs again and lifts the maintenance page: watch \`imctl health\` and \`imctl backups status\``;
  }
  return `exit ${code} inside ${container}; rerun with --verbose for its stderr`;
}
