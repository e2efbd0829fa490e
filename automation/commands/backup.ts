// imctl backup [all|postgres|minio|redis] [--output <dir>] [--remote]
// Runs the engine in the stack's backup job container (same code as the nightly schedule),
// streaming progress, and optionally copies the archive out to the host.
import * as path from 'path';
import { formatBytes } from '../cli/duration';
import type { Ctx } from '../context';
import { ExitCode, UsageError } from '../errors';
import { exitCodeHelp } from '../jobClient/errors';
import type { ExecFactory } from '../jobClient/factory';
import { BACKUPS_DIR } from '../backup/contract';
import { backupContainer, runJob } from '../jobClient/jobClient';
import { ALL_COMPONENTS, type BackupJobResult } from '../backup/contract';
import type { CommandDef, Flags } from './factory';

/** The archive's component names (the format's, kept for compatibility: minio is the objects), or all. */
const COMPONENTS: readonly string[] = ['all', ...ALL_COMPONENTS];

export interface BackupOptions {
  components: string[];
  /** Also copy the archive to this host directory. */
  output?: string;
  /** Also upload it to the off-site target. */
  remote: boolean;
}

export interface BackupResult extends BackupJobResult {
  /** Where --output put the copy. */
  copiedTo?: string;
}

export function backupOptions(args: readonly string[], flags: Flags): BackupOptions {
  const components = args.length ? [...args] : ['all'];
  const bad = components.filter((c) => !COMPONENTS.includes(c));
  if (bad.length) throw new UsageError(`unknown backup component${bad.length > 1 ? 's' : ''}: ${bad.join(', ')}`, { hint: `use ${COMPONENTS.join(', ')}` });
  return { components, output: flags.output === undefined ? undefined : String(flags.output), remote: Boolean(flags.remote) };
}

export async function runBackup(ctx: Ctx, opts: BackupOptions, execFactory: ExecFactory): Promise<BackupResult> {
  const exec = execFactory();
  const job = await backupContainer(ctx);
  if (!ctx.out.json) ctx.out.progress(`backing up ${opts.components.join('+')} of stack ${ctx.stack} in ${job.name}`);
  const r = await runJob(ctx, exec, job, ['backup', ...opts.components, ...(opts.remote ? ['--remote'] : [])], { passThrough: ctx.out.json });
  let copiedTo: string | undefined;
  if (opts.output) {
    if (!ctx.out.json) ctx.out.progress(`copying ${r.file} to ${opts.output}`);
    copiedTo = await exec.copyOut(job.id, `${BACKUPS_DIR}/${r.file}`, path.resolve(opts.output));
  }
  if (r.remote && !r.remote.ok) ctx.exitCode = ExitCode.OPERATION_FAILED;
  const secs = r.durationMs !== undefined ? ` in ${(r.durationMs / 1000).toFixed(1)}s` : '';
  ctx.out.line(`backup ${r.file} (${formatBytes(r.bytes)}, ${r.objectCount ?? 0} objects)${secs}`);
  if (copiedTo) ctx.out.line(`copied to ${copiedTo}`);
  if (r.remote) ctx.out.line(r.remote.ok ? 'off-site copy: ok' : `off-site copy FAILED: ${r.remote.reason ?? 'unknown reason'}`);
  return { ...r, copiedTo };
}

export const backupCommand: CommandDef = {
  register: (program, f) =>
    program
      .command('backup')
      .description('back up the stack now (in its backup job container) into the backups volume; optionally copy it out or off-site')
      .argument('[component...]', 'all (postgres + minio), postgres, minio, redis', ['all'])
      .option('--output <dir>', 'also copy the archive to this host directory')
      .option('--remote', 'also upload it to the configured off-site S3 target')
      .addHelpText('after', exitCodeHelp())
      .action(f.action((ctx, args, flags) => runBackup(ctx, backupOptions(args, flags), f.exec))),
};
